import type { ServerResponse } from 'node:http';
import type { Job, JobActionResult } from '@monque/core';
import { formatDate } from '../html/format.js';
import type { JobAction, QueueActions } from '../management.js';
import { ACTION_RULES, jobDeletedPage, jobDetailPage, type Notice } from '../pages/job-detail.js';
import { parseUtcDateTime } from '../pages/job-query.js';
import { problemPage } from '../pages/problem.js';
import { CSRF_FIELD } from './csrf.js';
import { isInvalidArgument } from './errors.js';
import { BadRequestBody, type DashboardRequest, readForm } from './request.js';
import { sendHtml } from './responses.js';
import type { RouteContext } from './routes.js';

/** What the page says about an action's outcome (every outcome but `not-found`). */
function outcomeNotice(action: JobAction, result: JobActionResult & { job: Job }): Notice {
  if (result.outcome === 'refused') {
    return { kind: 'error', text: `${ACTION_RULES[action].label} refused: ${result.reason}.` };
  }
  if (result.outcome === 'requested') {
    const owner = result.job.claimedBy === null ? '' : ` (${result.job.claimedBy})`;
    return {
      kind: 'ok',
      text: `Cancel requested: the instance running the job${owner} will stop it and mark it cancelled.`,
    };
  }
  switch (action) {
    case 'retry':
      return { kind: 'ok', text: 'Retried: the job is pending and due now.' };
    case 'reschedule':
      return {
        kind: 'ok',
        text: `Rescheduled: the job is due at ${formatDate(result.job.nextRunAt)}.`,
      };
    case 'cancel':
      return {
        kind: 'ok',
        text:
          result.job.status === 'cancelled'
            ? 'Cancelled: the job will not run.'
            : 'Cancelled this occurrence: the recurring job waits for its next one.',
      };
    case 'delete':
      return { kind: 'ok', text: 'Deleted.' };
  }
}

/** Calls the management method of `action`. */
function act(
  management: QueueActions,
  id: string,
  action: JobAction,
  runAt: Date | undefined,
): Promise<JobActionResult> {
  switch (action) {
    case 'retry':
      return management.retryJob(id);
    case 'reschedule':
      return management.rescheduleJob(id, runAt as Date);
    case 'cancel':
      return management.cancelJob(id);
    case 'delete':
      return management.deleteJob(id);
  }
}

/**
 * An action's POST: the form is read and its CSRF token checked, then the action is taken and its
 * outcome shown on the job's page (409 for a refusal, 404 when the job is gone).
 */
export async function performAction(
  context: RouteContext,
  request: DashboardRequest,
  id: string,
  action: JobAction,
  res: ServerResponse,
): Promise<void> {
  let form: URLSearchParams;
  try {
    form = await readForm(request.raw);
  } catch (error) {
    if (!(error instanceof BadRequestBody)) throw error;
    sendHtml(res, error.status, problemPage(context.page, 'Bad request', error.message));
    return;
  }
  if (!context.csrf.verify(request.raw, form.get(CSRF_FIELD))) {
    sendHtml(
      res,
      403,
      problemPage(
        context.page,
        'Action refused',
        'The form was not sent from this dashboard, or it has expired. Open the job again and retry.',
      ),
    );
    return;
  }
  let runAt: Date | undefined;
  if (action === 'reschedule') {
    runAt = parseUtcDateTime(form.get('runAt') ?? '');
    if (runAt === undefined) {
      sendHtml(
        res,
        400,
        problemPage(
          context.page,
          'Bad request',
          'The new run time must be a date and time such as 2026-01-31T12:00.',
        ),
      );
      return;
    }
  }
  let result: JobActionResult;
  try {
    result = await act(context.management, id, action, runAt);
  } catch (error) {
    if (!isInvalidArgument(error)) throw error;
    sendHtml(res, 400, problemPage(context.page, 'Bad request', error.message));
    return;
  }
  if (result.outcome === 'not-found') {
    sendHtml(
      res,
      404,
      problemPage(
        context.page,
        'Job not found',
        'Nothing was done: there is no job with this id in this collection (it may have been deleted meanwhile).',
      ),
    );
    return;
  }
  const notice = outcomeNotice(action, result);
  const status = result.outcome === 'refused' ? 409 : 200;
  if (action === 'delete' && result.outcome === 'done') {
    sendHtml(res, status, jobDeletedPage(context.page, result.job));
    return;
  }
  const allowed = await context.allowedActions(request);
  sendHtml(res, status, jobDetailPage(context.page, result.job, allowed, context.now(), notice));
}
