import type { Job } from '@monque/core';
import { formatAge, formatDate, formatDuration, timeElement } from '../html/format.js';
import { type HtmlValue, html, type SafeHtml } from '../html/html.js';
import { layout, liveStatus, type PageContext, pathTo } from '../html/layout.js';
import type { JobAction } from '../management.js';
import {
  historyBlock,
  lastFailureBlock,
  progressBlock,
  resultBlock,
  valueBlock,
} from './job-runs.js';
import { jobLabel, statusBadge } from './jobs.js';

/** What an action is called on its button, and which statuses it applies to. */
export const ACTION_RULES: Readonly<
  Record<
    JobAction,
    { readonly label: string; readonly statuses: readonly string[]; readonly explain: string }
  >
> = {
  retry: {
    label: 'Retry',
    statuses: ['failed', 'cancelled'],
    explain:
      'The job becomes pending and due now, with its failure count reset; its last failure and its runs stay on it.',
  },
  reschedule: {
    label: 'Reschedule',
    statuses: ['pending'],
    explain: 'The pending job becomes due at the time you give.',
  },
  cancel: {
    label: 'Cancel',
    statuses: ['pending', 'processing'],
    explain:
      'A pending job is cancelled at once (a recurring one only for the run it waits for). A running job is asked to stop: the instance running it aborts its handler and marks it cancelled.',
  },
  delete: {
    label: 'Delete',
    statuses: ['pending', 'completed', 'failed', 'cancelled'],
    explain:
      "The job is removed from the collection for good (a recurring job's schedule ends with it).",
  },
};

/** A message shown above a job after an action. */
export interface Notice {
  readonly kind: 'ok' | 'error';
  readonly text: string;
}

/** The actions that apply to the job in its current status. */
export function applicableActions(job: Job): JobAction[] {
  return (Object.keys(ACTION_RULES) as JobAction[]).filter((action) =>
    ACTION_RULES[action].statuses.includes(job.status),
  );
}

function actionsBlock(context: PageContext, job: Job, allowed: ReadonlySet<JobAction>): SafeHtml {
  if (context.readOnly || allowed.size === 0) return html``;
  const id = job._id.toHexString();
  const actions = applicableActions(job).filter((action) => allowed.has(action));
  return html`<section aria-labelledby="actions-heading">
<h2 id="actions-heading">Actions</h2>
${
  actions.length === 0
    ? html`<p class="muted">No action applies to a ${job.status} job.</p>`
    : html`<ul class="actions">${actions.map((action) => html`<li><a class="button${action === 'delete' || action === 'cancel' ? ' danger' : ''}" data-action="${action}" href="${pathTo(context, `/jobs/${id}/${action}`)}">${ACTION_RULES[action].label}…</a></li>`)}</ul>`
}
</section>`;
}

/** `in 5 min` for a time to come, `12.3 s ago` for a past one. */
function relativeTo(date: Date, now: Date): string {
  return date.getTime() > now.getTime()
    ? `in ${formatDuration(date.getTime() - now.getTime())}`
    : formatAge(date, now);
}

function row(label: string, value: HtmlValue): SafeHtml {
  return html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
}

/** The live part of a job's page: replaced as a whole when the job changes. */
export function renderJobFigures(
  context: PageContext,
  job: Job | null,
  allowed: ReadonlySet<JobAction>,
  now: Date,
): SafeHtml {
  if (job === null) {
    return html`<p class="notice notice-error" role="alert">This job no longer exists.</p>`;
  }
  const summary = html`<dl class="facts">
${row('Id', html`<code>${job._id.toHexString()}</code>`)}
${row('Name', job.name)}
${row('Status', statusBadge(job.status))}
${job.cancelRequestedAt instanceof Date ? row('Cancel requested', html`<span data-field="cancel-requested">${timeElement(job.cancelRequestedAt)} <span class="muted">(${formatAge(job.cancelRequestedAt, now)}): the instance running the job stops it</span></span>`) : ''}
${row('Next run', html`${timeElement(job.nextRunAt)} <span class="muted">(${relativeTo(job.nextRunAt, now)})</span>`)}
${row('Created', timeElement(job.createdAt))}
${row('Updated', timeElement(job.updatedAt))}
${row('Failures', job.failCount)}
${row('Time limit', typeof job.timeout === 'number' ? html`<span data-field="timeout">${formatDuration(job.timeout)}</span>` : html`— <span class="muted">(its worker's, if any)</span>`)}
${row('Expires', job.expireAt instanceof Date ? html`<span data-field="expire-at">${timeElement(job.expireAt)} <span class="muted">(${relativeTo(job.expireAt, now)})</span></span>` : '—')}
${row('Unique key', job.uniqueKey === undefined ? '—' : html`<code>${job.uniqueKey}</code>`)}
${row('Cron', job.repeatInterval === null ? '—' : html`<code>${job.repeatInterval}</code> (${job.timezone ?? 'UTC'})`)}
${row('Owner', job.claimedBy === null ? '—' : html`<code>${job.claimedBy}</code>`)}
${row('Claimed at', timeElement(job.lockedAt))}
${row('Last heartbeat', job.lastHeartbeat === null ? '—' : html`${timeElement(job.lastHeartbeat)} <span class="muted">(${formatAge(job.lastHeartbeat, now)})</span>`)}
</dl>`;
  return html`${summary}
${actionsBlock(context, job, allowed)}
${lastFailureBlock(job, now)}
${progressBlock(job)}
${valueBlock('Data', 'data-heading', job.data, 'No data.')}
${resultBlock(job)}
${historyBlock(job)}`;
}

/**
 * The job detail page, with an optional notice about an action just taken; the client script
 * keeps its figures current over the job's event stream.
 */
export function jobDetailPage(
  context: PageContext,
  job: Job,
  allowed: ReadonlySet<JobAction>,
  now: Date,
  notice?: Notice,
): SafeHtml {
  const id = job._id.toHexString();
  const body = html`<p class="breadcrumb"><a href="${pathTo(context, '/jobs')}">Jobs</a> › <a href="${pathTo(context, '/jobs', { name: job.name })}">${job.name}</a></p>
<h1>${jobLabel(job)}</h1>
${notice === undefined ? '' : html`<div class="notice notice-${notice.kind}" role="${notice.kind === 'ok' ? 'status' : 'alert'}" id="outcome">${notice.text}</div>`}
${liveStatus()}
<div id="live-figures" data-live-source="${pathTo(context, `/jobs/${id}/events`)}">
${renderJobFigures(context, job, allowed, now)}
</div>`;
  return layout(context, { title: jobLabel(job), section: 'jobs', body });
}

/** The confirmation page of an action: a POST form with the CSRF token. */
export function confirmActionPage(
  context: PageContext,
  job: Job,
  action: JobAction,
  csrfToken: string,
  now: Date,
): SafeHtml {
  const id = job._id.toHexString();
  const rule = ACTION_RULES[action];
  const defaultRunAt = formatDate(new Date(Math.max(now.getTime(), job.nextRunAt.getTime())))
    .replace(' ', 'T')
    .replace('Z', '');
  const body = html`<p class="breadcrumb"><a href="${pathTo(context, `/jobs/${id}`)}">${jobLabel(job)}</a></p>
<h1>${rule.label} ${jobLabel(job)}?</h1>
<p>${rule.explain}</p>
<p>The job is <strong>${job.status}</strong> now.</p>
<form method="post" action="${pathTo(context, `/jobs/${id}/${action}`)}" class="confirm">
<input type="hidden" name="csrf" value="${csrfToken}">
${
  action === 'reschedule'
    ? html`<div class="field"><label for="run-at">Run at (UTC)</label><input id="run-at" name="runAt" type="datetime-local" step="1" required value="${defaultRunAt}"></div>`
    : ''
}
<div class="buttons"><button type="submit" class="${action === 'delete' || action === 'cancel' ? 'danger' : ''}">${rule.label} job</button> <a class="button secondary" href="${pathTo(context, `/jobs/${id}`)}">Go back</a></div>
</form>`;
  return layout(context, { title: `${rule.label} ${jobLabel(job)}`, section: 'jobs', body });
}

/** The page after a job was deleted. */
export function jobDeletedPage(context: PageContext, job: Job): SafeHtml {
  const body = html`<h1>Deleted ${jobLabel(job)}</h1>
<div class="notice notice-ok" role="status" id="outcome">The job was removed from the collection.</div>
<p><a href="${pathTo(context, '/jobs', { name: job.name })}">Other ${job.name} jobs</a></p>`;
  return layout(context, { title: `Deleted ${jobLabel(job)}`, section: 'jobs', body });
}
