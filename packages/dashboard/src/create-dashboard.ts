import type { IncomingMessage, ServerResponse } from 'node:http';
import { InvalidArgumentError, Monque } from '@monque/core';
import type { PageContext } from './html/layout.js';
import { CsrfProtection } from './http/csrf.js';
import { authorized, dispatch } from './http/dispatch.js';
import { asError } from './http/errors.js';
import { toDashboardRequest } from './http/request.js';
import { sendHtml, sendText } from './http/responses.js';
import type { RouteContext } from './http/routes.js';
import { LiveFeed } from './live/live-feed.js';
import {
  JOB_ACTIONS,
  type JobAction,
  MANAGEMENT_METHODS,
  type QueueManagement,
} from './management.js';
import { type DashboardOptions, resolveDashboardOptions } from './options.js';
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
      : MANAGEMENT_METHODS.filter((method) => typeof candidate[method] !== 'function');
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
  // Never started: it only reads and acts (an action on a running job is a request that the
  // instance running it carries out). Stale claims are left to the scheduler's instances.
  const monque: unknown = new Monque(options.db, {
    recoverStaleJobs: false,
    ...(options.collectionName === undefined ? {} : { collectionName: options.collectionName }),
  });
  assertManagement(monque, 'options.db');
  return monque;
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
  const resolved = resolveDashboardOptions(options);
  const page: PageContext = {
    basePath: resolved.basePath,
    title: resolved.title,
    readOnly: resolved.readOnly,
    collectionName: management.collection.collectionName,
  };
  const context: RouteContext = {
    page,
    management,
    csrf: new CsrfProtection(resolved.csrfSecret, resolved.basePath),
    live: new LiveFeed({
      collection: management.collection,
      refreshInterval: resolved.refreshInterval,
      onError: resolved.onError,
    }),
    overviewTopic: {
      read: async () => renderOverviewFigures(page, await management.getStats()).toString(),
      concerns: () => true,
    },
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
    dispatch(context, resolved, request, res).catch((error: unknown) => {
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
    await context.live.close();
  };
  return handler;
}
