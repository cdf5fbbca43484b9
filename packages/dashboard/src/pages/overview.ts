import type { QueueStats } from '@monque/core';
import { formatAge, formatDuration, timeElement } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';
import { layout, liveStatus, type PageContext, pathTo } from '../html/layout.js';
import { countOf, statusColumns } from './statuses.js';

/** The live part of the overview: replaced as a whole when new figures arrive. */
export function renderOverviewFigures(context: PageContext, stats: QueueStats): SafeHtml {
  const columns = statusColumns(stats.total);
  const countCell = (name: string | undefined, status: string, count: number): SafeHtml => {
    const query: Record<string, string> = { status };
    if (name !== undefined) query.name = name;
    return html`<td class="num" data-status="${status}">${count === 0 ? html`<span class="zero">0</span>` : html`<a href="${pathTo(context, '/jobs', query)}">${count}</a>`}</td>`;
  };
  const rows = stats.names.map(
    (entry) => html`<tr data-name="${entry.name}">
<th scope="row"><a href="${pathTo(context, '/jobs', { name: entry.name })}">${entry.name}</a></th>
${columns.map((status) => countCell(entry.name, status, countOf(entry.counts, status)))}
<td class="num" data-figure="completed-minute">${entry.completedLastMinute}</td>
<td class="num" data-figure="completed-hour">${entry.completedLastHour}</td>
<td class="num" data-figure="lag">${entry.lag === null ? '—' : formatDuration(entry.lag)}</td>
</tr>`,
  );
  const totals = {
    minute: stats.names.reduce((sum, entry) => sum + entry.completedLastMinute, 0),
    hour: stats.names.reduce((sum, entry) => sum + entry.completedLastHour, 0),
    lag: stats.names.reduce<number | null>(
      (max, entry) => (entry.lag === null ? max : Math.max(max ?? entry.lag, entry.lag)),
      null,
    ),
  };
  const instances = stats.instances.map(
    (instance) => html`<tr data-instance="${instance.instanceId}">
<th scope="row"><code>${instance.instanceId}</code></th>
<td class="num">${instance.processing}</td>
<td>${timeElement(instance.lastHeartbeat)} <span class="muted">(${formatAge(instance.lastHeartbeat, stats.at)})</span></td>
</tr>`,
  );
  return html`<p class="muted">Figures as of ${timeElement(stats.at)}.</p>
<section aria-labelledby="names-heading">
<h2 id="names-heading">Jobs by name</h2>
${
  stats.names.length === 0
    ? html`<p>No jobs in this collection.</p>`
    : html`<div class="table-scroll" tabindex="0" role="group" aria-labelledby="names-heading">
<table class="overview">
<thead><tr><th scope="col">Name</th>${columns.map((status) => html`<th scope="col" class="num">${status}</th>`)}<th scope="col" class="num">Completed (1 min)</th><th scope="col" class="num">Completed (1 h)</th><th scope="col" class="num">Lag</th></tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr data-name="" class="totals"><th scope="row">All</th>${columns.map((status) => countCell(undefined, status, countOf(stats.total, status)))}<td class="num" data-figure="completed-minute">${totals.minute}</td><td class="num" data-figure="completed-hour">${totals.hour}</td><td class="num" data-figure="lag">${totals.lag === null ? '—' : formatDuration(totals.lag)}</td></tr></tfoot>
</table>
</div>
<p class="hint">Lag: how long the oldest due pending job has waited. Completed: jobs that reached <em>completed</em> in the last minute / hour.</p>`
}
</section>
<section aria-labelledby="instances-heading">
<h2 id="instances-heading">Instances</h2>
${
  stats.instances.length === 0
    ? html`<p>No instance is processing a job.</p>`
    : html`<div class="table-scroll" tabindex="0" role="group" aria-labelledby="instances-heading">
<table>
<thead><tr><th scope="col">Instance</th><th scope="col" class="num">Processing</th><th scope="col">Last heartbeat</th></tr></thead>
<tbody>${instances}</tbody>
</table>
</div>`
}
</section>`;
}

/** The overview page: figures now, then kept current by the client script over SSE. */
export function overviewPage(context: PageContext, stats: QueueStats): SafeHtml {
  const body = html`<h1>Overview</h1>
${liveStatus()}
<div id="live-figures" data-live-source="${pathTo(context, '/events')}">
${renderOverviewFigures(context, stats)}
</div>`;
  return layout(context, { title: 'Overview', section: 'overview', body });
}
