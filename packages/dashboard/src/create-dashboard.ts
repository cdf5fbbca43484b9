import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidArgumentError, Monque } from '@monque/core';
import type { PageContext } from './html/layout.js';
import { CsrfProtection } from './http/csrf.js';
import { asError } from './http/errors.js';
import { type DashboardRequest, toDashboardRequest } from './http/request.js';
import { sendHtml, sendText } from './http/responses.js';
import * as routes from './http/routes.js';
import { LiveOverview } from './live/live-overview.js';
import {
  hasActions,
  isJobAction,
  JOB_ACTIONS,
  type JobAction,
  type QueueManagement,
  READ_METHODS,
} from './management.js';
import {
  type DashboardAction,
  type DashboardOptions,
  type ResolvedDashboardOptions,
  resolveDashboardOptions,
} from './options.js';
import { renderOverviewFigures } from './pages/overview.js';
import { problemPage } from './pages/problem.js';

/**
 * The dashboard's request handler: a Node `(req, res)` listener that also takes Express's `next`
 * (called for requests outside the dashboard's base path). `close()` ends the live updates.
 */
export interface DashboardHandler {
  (req: IncomingMessage, res: ServerResponse, next?: (error?: unknown) => void): void;
  /** Ends every open live-update connection and closes the change stream. */
  close(): Promise<void>;
}

function assertManagement(value: unknown, argument: string): asserts value is QueueManagement {
  const candidate = value as Partial<Record<string, unknown>> | null;
  const missing: string[] =
    typeof candidate !== 'object' || candidate === null
      ? ['everything']
      : READ_METHODS.filter((method) => typeof candidate[method] !== 'function');
  const collection = candidate?.collection as { watch?: unknown } | undefined;
  if (typeof collection?.watch !== 'function') missing.push('collection');
  if (missing.length > 0) {
    throw new InvalidArgumentError(
      argument,
      `must be a Monque instance with the management API (missing: ${missing.join(', ')})`,
      value,
    );
  }
}

function managementOf(options: DashboardOptions): QueueManagement {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidArgumentError('options', 'must be an object with `monque` or `db`', options);
  }
  if (options.monque !== undefined) {
    if ((options as { db?: unknown }).db !== undefined) {
      throw new InvalidArgumentError(
        'options.db',
        'must not be given together with `monque`',
        'a Db',
      );
    }
    assertManagement(options.monque, 'options.monque');
    return options.monque;
  }
  if (options.db === undefined) {
    throw new InvalidArgumentError('options', 'must have `monque` or `db`', Object.keys(options));
  }
  // Never started: it only reads and acts. Stale claims are left to the scheduler's instances.
  const monque: unknown = new Monque(options.db, {
    recoverStaleJobs: false,
    ...(options.collectionName === undefined ? {} : { collectionName: options.collectionName }),
  });
  assertManagement(monque, 'options.db');
  return monque;
}

function actionOf(request: DashboardRequest): DashboardAction {
  const action = /^\/jobs\/[0-9a-f]{24}\/([a-z]+)$/.exec(request.path)?.[1];
  return action !== undefined && isJobAction(action) ? action : 'view';
}

/**
 * Creates the dashboard's request handler.
 *
 * @param options - `monque` (an instance; it need not be started) or `db` and `collectionName`;
 * `basePath`, `authorize`, `readOnly` and more: see {@link DashboardOptions}.
 * @returns A handler for `node:http`, Express or Fastify (see the docs for each).
 * @throws InvalidArgumentError for invalid options.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http';
 * import { createDashboard } from '@monque/dashboard';
 *
 * const dashboard = createDashboard({ monque, basePath: '/queue' });
 * createServer(dashboard).listen(3000, '127.0.0.1');
 * ```
 */
export function createDashboard(options: DashboardOptions): DashboardHandler {
  const management = managementOf(options);
  const actions = hasActions(management) ? management : undefined;
  const configured = resolveDashboardOptions(options);
  // Without the actions (a @monque/core that predates them) the dashboard only shows.
  const resolved: ResolvedDashboardOptions = {
    ...configured,
    readOnly: configured.readOnly || actions === undefined,
  };
  const page: PageContext = {
    basePath: resolved.basePath,
    title: resolved.title,
    readOnly: resolved.readOnly,
    collectionName: management.collection.collectionName,
  };
  const context: routes.RouteContext = {
    page,
    management,
    actions,
    csrf: new CsrfProtection(resolved.csrfSecret, resolved.basePath),
    live: new LiveOverview({
      collection: management.collection,
      readFigures: async () => renderOverviewFigures(page, await management.getStats()).toString(),
      refreshInterval: resolved.refreshInterval,
      onError: resolved.onError,
    }),
    streams: new Set(),
    now: () => new Date(),
    allowedActions: async (request) => {
      const allowed = new Set<JobAction>();
      if (resolved.readOnly) return allowed;
      for (const action of JOB_ACTIONS) {
        if (await authorized(resolved, request, action)) allowed.add(action);
      }
      return allowed;
    },
  };

  const handler = ((req, res, next) => {
    const request = toDashboardRequest(req, resolved.basePath);
    if (request === undefined) {
      if (next !== undefined) next();
      else sendText(res, 404, 'Not found');
      return;
    }
    handle(context, resolved, request, res).catch((error: unknown) => {
      const cause = asError(error);
      resolved.onError(
        new Error(`@monque/dashboard: ${request.method} ${request.path} failed: ${cause.message}`, {
          cause,
        }),
      );
      if (res.headersSent) {
        res.destroy();
        return;
      }
      sendHtml(
        res,
        500,
        problemPage(page, 'Something went wrong', `The request failed: ${cause.message}`),
      );
    });
  }) as DashboardHandler;
  handler.close = async () => {
    for (const res of context.streams) res.end();
    context.streams.clear();
  };
  return handler;
}

async function authorized(
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

async function handle(
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
      await routes.performAction(context, request, jobPath[1], jobAction, res);
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
  if (path === '/events') return routes.events(context, res);
  if (path.startsWith('/assets/')) return routes.asset(request, path.slice('/assets/'.length), res);
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
