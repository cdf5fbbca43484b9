import type { Job, JobPage } from '@monque/core';
import { timeElement } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';
import { layout, type PageContext, pathTo } from '../html/layout.js';
import { formToQuery, type JobQuery, ORDERS, PAGE_SIZES, RANGE_FIELDS } from './job-query.js';
import { STATUSES } from './statuses.js';

const RANGE_LABELS: Readonly<Record<(typeof RANGE_FIELDS)[number], string>> = {
  createdAt: 'Created',
  updatedAt: 'Updated',
  nextRunAt: 'Next run',
};

/** A job's short label: its name and the end of its id. */
export function jobLabel(job: Pick<Job, 'name' | '_id'>): string {
  return `${job.name} #${job._id.toHexString().slice(-6)}`;
}

/** A status as a badge. */
export function statusBadge(status: string): SafeHtml {
  return html`<span class="status status-${status}">${status}</span>`;
}

function filterForm(context: PageContext, query: JobQuery): SafeHtml {
  const { form } = query;
  const selected = (condition: boolean): SafeHtml => (condition ? html` selected` : html``);
  const dataInputs = [...form.data, ''].map(
    (value, index) => html`<div class="field">
<label for="data-${index}">Data field equals${index > 0 ? html` <span class="visually-hidden">(${index + 1})</span>` : ''}</label>
<input id="data-${index}" name="data" value="${value}" placeholder="customer.id=42" aria-describedby="data-hint" autocomplete="off">
</div>`,
  );
  return html`<form class="filters" method="get" action="${pathTo(context, '/jobs')}" role="search" aria-label="Filter jobs">
<div class="field"><label for="filter-name">Name</label><input id="filter-name" name="name" value="${form.name}" autocomplete="off"></div>
<fieldset class="field statuses"><legend>Status</legend>
${STATUSES.map((status) => html`<label class="check"><input type="checkbox" name="status" value="${status}"${form.statuses.includes(status) ? html` checked` : ''}> ${status}</label>`)}
</fieldset>
<div class="field"><label for="filter-range">Time field</label><select id="filter-range" name="range">${RANGE_FIELDS.map((field) => html`<option value="${field}"${selected(form.rangeField === field)}>${RANGE_LABELS[field]}</option>`)}</select></div>
<div class="field"><label for="filter-from">From (UTC, inclusive)</label><input id="filter-from" name="from" type="datetime-local" step="1" value="${form.from}"></div>
<div class="field"><label for="filter-to">To (UTC, exclusive)</label><input id="filter-to" name="to" type="datetime-local" step="1" value="${form.to}"></div>
${dataInputs}
<p class="hint" id="data-hint">Path inside the job's data, then <code>=</code> and a value: numbers, <code>true</code>, <code>false</code>, <code>null</code> and <code>"quoted text"</code> are read as JSON, anything else as text.</p>
<div class="field"><label for="filter-order">Sort</label><select id="filter-order" name="order">${ORDERS.map((order) => html`<option value="${order.value}"${selected(form.order === order.value)}>${order.label}</option>`)}</select></div>
<div class="field"><label for="filter-limit">Per page</label><select id="filter-limit" name="limit">${PAGE_SIZES.map((size) => html`<option value="${size}"${selected(form.limit === size)}>${size}</option>`)}</select></div>
<div class="buttons"><button type="submit">Apply</button> <a class="button secondary" href="${pathTo(context, '/jobs')}">Clear</a></div>
</form>`;
}

/** The rows of a page of jobs. */
export function jobsTable(context: PageContext, jobs: readonly Job[], caption: string): SafeHtml {
  const rows = jobs.map(
    (job) => html`<tr data-job-id="${job._id.toHexString()}">
<th scope="row"><a href="${pathTo(context, `/jobs/${job._id.toHexString()}`)}">${jobLabel(job)}</a></th>
<td>${statusBadge(job.status)}</td>
<td>${timeElement(job.nextRunAt)}</td>
<td>${timeElement(job.createdAt)}</td>
<td>${timeElement(job.updatedAt)}</td>
<td class="num">${job.failCount}</td>
</tr>`,
  );
  return html`<div class="table-scroll" tabindex="0" role="group" aria-label="${caption}">
<table class="jobs">
<caption class="visually-hidden">${caption}</caption>
<thead><tr><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Next run</th><th scope="col">Created</th><th scope="col">Updated</th><th scope="col" class="num">Failures</th></tr></thead>
<tbody>${rows}</tbody>
</table>
</div>`;
}

/** The jobs page: the filter form, then one page of matching jobs or why there is none. */
export function jobsPage(
  context: PageContext,
  query: JobQuery,
  result: { readonly page: JobPage } | { readonly problems: readonly string[] },
): SafeHtml {
  let listing: SafeHtml;
  if ('problems' in result) {
    listing = html`<div class="notice notice-error" role="alert"><p>The jobs could not be listed:</p><ul>${result.problems.map((problem) => html`<li>${problem}</li>`)}</ul></div>`;
  } else if (result.page.jobs.length === 0) {
    listing = html`<p id="no-jobs">No jobs match${query.form.cursor === undefined ? '' : ' on this page'}.</p>`;
  } else {
    const next = result.page.nextCursor;
    listing = html`${jobsTable(context, result.page.jobs, 'Matching jobs')}
<nav class="pager" aria-label="Pages">
${query.form.cursor === undefined ? '' : html`<a href="${pathTo(context, '/jobs', formToQuery(query.form))}">First page</a>`}
${next === null ? html`<span class="muted">Last page</span>` : html`<a rel="next" href="${pathTo(context, '/jobs', formToQuery(query.form, next))}">Next page</a>`}
</nav>`;
  }
  const body = html`<h1>Jobs</h1>
${filterForm(context, query)}
<section aria-labelledby="results-heading">
<h2 id="results-heading">Results</h2>
${listing}
</section>`;
  return layout(context, { title: 'Jobs', section: 'jobs', body });
}
