/**
 * What runs leave on a job (see Managing jobs, "What a run leaves on its job"): its last failure,
 * progress, result and the history of its last runs. Documents are shown as stored, so every
 * field is checked for its shape before it is read: a document written by something else shows
 * as a value, never breaks the page.
 */
import type { Job } from '@monque/core';
import { formatAge, formatDuration, formatValue, timeElement } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';
import { statusBadge } from './jobs.js';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A field of a record read as data: never through its prototype. */
function fieldOf(record: Record<string, unknown>, field: string): unknown {
  return Object.hasOwn(record, field) ? record[field] : undefined;
}

/** A stored value as text: strings and numbers as they are, anything else spelled out. */
function asText(value: unknown): string {
  if (value === undefined) return '—';
  return typeof value === 'string' || typeof value === 'number'
    ? String(value)
    : formatValue(value);
}

/** A stored value under a heading, or `empty` when there is none. */
export function valueBlock(heading: string, id: string, value: unknown, empty: string): SafeHtml {
  return html`<section aria-labelledby="${id}">
<h2 id="${id}">${heading}</h2>
${value === undefined ? html`<p class="muted">${empty}</p>` : html`<pre class="value" tabindex="0">${formatValue(value)}</pre>`}
</section>`;
}

/**
 * The last failure: `lastFailure` (reason, when, which attempt), or the bare `failReason` of a job
 * written without it; nothing when the job never failed.
 */
export function lastFailureBlock(job: Job, now: Date): SafeHtml {
  const failure: unknown = job.lastFailure;
  const reason = isRecord(failure) ? fieldOf(failure, 'reason') : job.failReason;
  if (reason === undefined || reason === null) return html``;
  let when = html``;
  if (isRecord(failure)) {
    const at = fieldOf(failure, 'at');
    when = html`<p class="failure-when">Attempt <span data-field="attempt">${asText(fieldOf(failure, 'attempt'))}</span>, at ${timeElement(at instanceof Date ? at : null)} <span class="muted">(${formatAge(at instanceof Date ? at : null, now)})</span></p>`;
  }
  return html`<section aria-labelledby="failure-heading">
<h2 id="failure-heading">Last failure</h2>
${when}
<p class="failure-reason">${asText(reason)}</p>
</section>`;
}

/** A number from 0 to 100 as a bar; any other progress as the document it is. */
export function progressBlock(job: Job): SafeHtml {
  const progress: unknown = job.progress;
  if (typeof progress !== 'number' || !(progress >= 0 && progress <= 100)) {
    return valueBlock('Progress', 'progress-heading', progress, 'No progress reported.');
  }
  const percent = `${Math.round(progress * 10) / 10} %`;
  return html`<section aria-labelledby="progress-heading">
<h2 id="progress-heading">Progress</h2>
<p class="progress"><progress id="progress-bar" max="100" value="${progress}" aria-labelledby="progress-heading">${percent}</progress> <span class="num" data-field="progress">${percent}</span></p>
</section>`;
}

/** What the last successful run returned (`null` when it returned nothing). */
export function resultBlock(job: Job): SafeHtml {
  const result: unknown = Object.hasOwn(job, 'result') ? job.result : undefined;
  return valueBlock('Result', 'result-heading', result, 'No result recorded.');
}

function historyRow(run: unknown): SafeHtml {
  if (!isRecord(run)) {
    return html`<tr><td colspan="6"><code>${formatValue(run)}</code></td></tr>`;
  }
  const claimedAt = fieldOf(run, 'claimedAt');
  const endedAt = fieldOf(run, 'endedAt');
  const outcome = fieldOf(run, 'outcome');
  const reason = fieldOf(run, 'reason');
  const took =
    claimedAt instanceof Date && endedAt instanceof Date
      ? formatDuration(endedAt.getTime() - claimedAt.getTime())
      : '—';
  return html`<tr>
<th scope="row" class="num">${asText(fieldOf(run, 'attempt'))}</th>
<td>${typeof outcome === 'string' ? statusBadge(outcome) : asText(outcome)}</td>
<td>${timeElement(claimedAt instanceof Date ? claimedAt : null)}</td>
<td>${timeElement(endedAt instanceof Date ? endedAt : null)}</td>
<td class="num">${took}</td>
<td class="reason">${reason === null || reason === undefined ? '—' : asText(reason)}</td>
</tr>`;
}

/** The job's last runs, newest first. */
export function historyBlock(job: Job): SafeHtml {
  const history: unknown = job.history;
  if (!Array.isArray(history) || history.length === 0) {
    return html`<section aria-labelledby="history-heading"><h2 id="history-heading">Runs</h2><p class="muted">No run has ended yet.</p></section>`;
  }
  const rows = [...history].reverse().map(historyRow);
  return html`<section aria-labelledby="history-heading">
<h2 id="history-heading">Runs</h2>
<div class="table-scroll" tabindex="0" role="group" aria-label="Last runs">
<table class="history">
<caption class="visually-hidden">The job's last runs, newest first</caption>
<thead><tr><th scope="col" class="num">Attempt</th><th scope="col">Outcome</th><th scope="col">Claimed</th><th scope="col">Ended</th><th scope="col" class="num">Took</th><th scope="col">Reason</th></tr></thead>
<tbody>${rows}</tbody>
</table>
</div>
</section>`;
}
