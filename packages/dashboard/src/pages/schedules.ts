import { type Job, parseCron } from '@monque/core';
import { timeElement } from '../html/format.js';
import { html, type SafeHtml } from '../html/html.js';
import { layout, type PageContext, pathTo } from '../html/layout.js';
import { jobLabel, statusBadge } from './jobs.js';

/** How many runs after the stored next run the page computes. */
export const FOLLOWING_RUNS = 3;

/** The runs that follow `nextRunAt` by the job's cron, or why they cannot be computed. */
export function followingRuns(job: Job, count = FOLLOWING_RUNS): Date[] | string {
  if (job.repeatInterval === null) return [];
  try {
    const schedule = parseCron(job.repeatInterval, job.timezone ?? undefined);
    const runs: Date[] = [];
    let after = job.nextRunAt;
    for (let index = 0; index < count; index++) {
      after = schedule.next(after);
      runs.push(after);
    }
    return runs;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

/** The schedules page: recurring jobs with their cron, time zone and coming runs. */
export function schedulesPage(
  context: PageContext,
  jobs: readonly Job[],
  nextPath: string | undefined,
): SafeHtml {
  const rows = jobs.map((job) => {
    const runs = followingRuns(job);
    return html`<tr data-job-id="${job._id.toHexString()}">
<th scope="row"><a href="${pathTo(context, `/jobs/${job._id.toHexString()}`)}">${jobLabel(job)}</a></th>
<td><code>${job.repeatInterval}</code></td>
<td>${job.timezone ?? 'UTC'}</td>
<td>${statusBadge(job.status)}</td>
<td>${timeElement(job.nextRunAt)}</td>
<td>${typeof runs === 'string' ? html`<span class="error-text">${runs}</span>` : html`<ul class="runs">${runs.map((run) => html`<li>${timeElement(run)}</li>`)}</ul>`}</td>
</tr>`;
  });
  const body = html`<h1>Schedules</h1>
<p>Recurring jobs, soonest first. Times are UTC; the following runs are computed from the cron expression in its time zone.</p>
${
  jobs.length === 0
    ? html`<p>No recurring jobs.</p>`
    : html`<div class="table-scroll" tabindex="0" role="group" aria-label="Recurring jobs">
<table class="schedules">
<caption class="visually-hidden">Recurring jobs</caption>
<thead><tr><th scope="col">Job</th><th scope="col">Cron</th><th scope="col">Time zone</th><th scope="col">Status</th><th scope="col">Next run</th><th scope="col">Following runs</th></tr></thead>
<tbody>${rows}</tbody>
</table>
</div>`
}
${nextPath === undefined ? '' : html`<nav class="pager" aria-label="Pages"><a rel="next" href="${nextPath}">Next page</a></nav>`}`;
  return layout(context, { title: 'Schedules', section: 'schedules', body });
}
