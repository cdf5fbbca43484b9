import type { ServerResponse } from 'node:http';
import { isJobAction, type JobAction } from '../management.js';
import type { DashboardAction, ResolvedDashboardOptions } from '../options.js';
import { problemPage } from '../pages/problem.js';
import { performAction } from './actions.js';
import { asError } from './errors.js';
import type { DashboardRequest } from './request.js';
import { sendHtml, sendText } from './responses.js';
import * as routes from './routes.js';

/** The action a request asks for: an action's confirmation page and its POST count as it. */
function actionOf(request: DashboardRequest): DashboardAction {
  const action = /^\/jobs\/[0-9a-f]{24}\/([a-z]+)$/.exec(request.path)?.[1];
  return action !== undefined && isJobAction(action) ? action : 'view';
}

/** Asks `authorize`; an error it throws is reported and counts as a refusal. */
export async function authorized(
  options: ResolvedDashboardOptions,
  request: DashboardRequest,
  action: DashboardAction,
): Promise<boolean> {
  try {
    return (await options.authorize(request.raw, action)) === true;
  } catch (error) {
    const cause = asError(error);
    options.onError(
      new Error(`@monque/dashboard: authorize threw for ${action}: ${cause.message}`, { cause }),
    );
    return false;
  }
}

const JOB_PATH = /^\/jobs\/([0-9a-f]{24})(?:\/([a-z]+))?$/;

/**
 * Answers one dashboard request: read-only and `authorize` first, then the route by method and
 * path.
 */
export async function dispatch(
  context: routes.RouteContext,
  options: ResolvedDashboardOptions,
  request: DashboardRequest,
  res: ServerResponse,
): Promise<void> {
  const action = actionOf(request);
  if (action !== 'view' && options.readOnly) {
    sendHtml(
      res,
      403,
      problemPage(context.page, 'Read-only', 'This dashboard is read-only: actions are disabled.'),
    );
    return;
  }
  if (!(await authorized(options, request, action))) {
    sendText(res, 403, 'Forbidden');
    return;
  }
  const { method, path } = request;
  const jobPath = JOB_PATH.exec(path);
  const jobAction: JobAction | undefined =
    jobPath?.[2] !== undefined && isJobAction(jobPath[2]) ? jobPath[2] : undefined;
  if (method === 'POST') {
    if (jobPath?.[1] !== undefined && jobAction !== undefined) {
      await performAction(context, request, jobPath[1], jobAction, res);
      return;
    }
    methodNotAllowed(context, res, path);
    return;
  }
  if (method !== 'GET' && method !== 'HEAD') {
    methodNotAllowed(context, res, path);
    return;
  }
  if (path === '/') return routes.overview(context, res);
  if (path === '/jobs') return routes.jobs(context, request, res);
  if (path === '/schedules') return routes.schedules(context, request, res);
  if (path === '/events') return routes.overviewEvents(context, res);
  if (path.startsWith('/assets/')) return routes.asset(request, path.slice('/assets/'.length), res);
  if (jobPath?.[1] !== undefined && jobPath[2] === 'events') {
    return routes.jobEvents(context, request, jobPath[1], res);
  }
  if (jobPath?.[1] !== undefined && jobPath[2] === undefined) {
    return routes.jobDetail(context, request, jobPath[1], res);
  }
  if (jobPath?.[1] !== undefined && jobAction !== undefined) {
    return routes.confirmAction(context, request, jobPath[1], jobAction, res);
  }
  sendHtml(
    res,
    404,
    problemPage(context.page, 'Not found', 'There is no such page in the dashboard.'),
  );
}

function methodNotAllowed(context: routes.RouteContext, res: ServerResponse, path: string): void {
  res.setHeader('Allow', JOB_PATH.test(path) ? 'GET, HEAD, POST' : 'GET, HEAD');
  sendHtml(
    res,
    405,
    problemPage(context.page, 'Method not allowed', 'This address does not accept that method.'),
  );
}
