import type { ServerResponse } from 'node:http';
import type { Job } from '@monque/core';
import { loadAssets } from '../assets.js';
import type { PageContext } from '../html/layout.js';
import { pathTo } from '../html/layout.js';
import { openEventStream } from '../live/event-stream.js';
import type { LiveFeed, LiveTopic } from '../live/live-feed.js';
import type { JobAction, QueueManagement } from '../management.js';
import { confirmActionPage, jobDetailPage, renderJobFigures } from '../pages/job-detail.js';
import { parseJobQuery } from '../pages/job-query.js';
import { jobsPage } from '../pages/jobs.js';
import { overviewPage } from '../pages/overview.js';
import { problemPage } from '../pages/problem.js';
import { schedulesPage } from '../pages/schedules.js';
import type { CsrfProtection } from './csrf.js';
import { isInvalidArgument } from './errors.js';
import type { DashboardRequest } from './request.js';
import { sendHtml, sendText, setSecurityHeaders } from './responses.js';

/** Everything the routes share. */
export interface RouteContext {
  readonly page: PageContext;
  /** Monque's management API: the reads of every page and the job actions. */
  readonly management: QueueManagement;
  readonly csrf: CsrfProtection;
  readonly live: LiveFeed;
  /** The overview's figures, one topic for every open overview. */
  readonly overviewTopic: LiveTopic;
  /** Open event streams, ended by `close()`. */
  readonly streams: Set<ServerResponse>;
  readonly now: () => Date;
  /** The actions this request may take (none when the dashboard is read-only). */
  readonly allowedActions: (request: DashboardRequest) => Promise<ReadonlySet<JobAction>>;
}

/** Recurring jobs shown per page of the schedules page. */
const SCHEDULES_PER_PAGE = 100;

export async function overview(context: RouteContext, res: ServerResponse): Promise<void> {
  const stats = await context.management.getStats();
  sendHtml(res, 200, overviewPage(context.page, stats));
}

export async function jobs(
  context: RouteContext,
  request: DashboardRequest,
  res: ServerResponse,
): Promise<void> {
  const query = parseJobQuery(request.query);
  if (query.problems.length > 0) {
    sendHtml(res, 400, jobsPage(context.page, query, { problems: query.problems }));
    return;
  }
  try {
    const page = await context.management.findJobs(query.filter, query.options);
    sendHtml(res, 200, jobsPage(context.page, query, { page }));
  } catch (error) {
    if (!isInvalidArgument(error)) throw error;
    sendHtml(res, 400, jobsPage(context.page, query, { problems: [error.message] }));
  }
}

export async function schedules(
  context: RouteContext,
  request: DashboardRequest,
  res: ServerResponse,
): Promise<void> {
  const cursor = request.query.get('cursor') || undefined;
  try {
    const page = await context.management.findJobs(
      { recurring: true },
      {
        order: 'nextRunAt',
        limit: SCHEDULES_PER_PAGE,
        ...(cursor === undefined ? {} : { cursor }),
      },
    );
    const next =
      page.nextCursor === null
        ? undefined
        : pathTo(context.page, '/schedules', { cursor: page.nextCursor });
    sendHtml(res, 200, schedulesPage(context.page, page.jobs, next));
  } catch (error) {
    if (!isInvalidArgument(error)) throw error;
    sendHtml(res, 400, problemPage(context.page, 'Schedules', error.message));
  }
}

/** Answers 404 when there is no job `id` in this collection. */
function jobNotFound(context: RouteContext, res: ServerResponse): void {
  sendHtml(
    res,
    404,
    problemPage(context.page, 'Job not found', 'There is no job with this id in this collection.'),
  );
}

/** The job, or `undefined` once a 404 page was sent. */
async function readJob(
  context: RouteContext,
  id: string,
  res: ServerResponse,
): Promise<Job | undefined> {
  const job = await context.management.getJob(id);
  if (job === null) jobNotFound(context, res);
  return job ?? undefined;
}

export async function jobDetail(
  context: RouteContext,
  request: DashboardRequest,
  id: string,
  res: ServerResponse,
): Promise<void> {
  const job = await readJob(context, id, res);
  if (job === undefined) return;
  const allowed = await context.allowedActions(request);
  sendHtml(res, 200, jobDetailPage(context.page, job, allowed, context.now()));
}

export async function confirmAction(
  context: RouteContext,
  request: DashboardRequest,
  id: string,
  action: JobAction,
  res: ServerResponse,
): Promise<void> {
  const job = await readJob(context, id, res);
  if (job === undefined) return;
  const token = context.csrf.tokenFor(request.raw, res);
  sendHtml(res, 200, confirmActionPage(context.page, job, action, token, context.now()));
}

/** Streams a topic's updates to one page until the browser leaves. */
function streamTopic(
  context: RouteContext,
  res: ServerResponse,
  key: string,
  topic: LiveTopic,
): void {
  const stream = openEventStream(res);
  context.streams.add(res);
  const unsubscribe = context.live.subscribe(key, topic, (event) => {
    if (event.type === 'update') stream.send('update', event.html);
    else if (event.type === 'mode') stream.send('mode', JSON.stringify(event));
    else stream.send('problem', event.message);
  });
  void stream.closed.then(() => {
    unsubscribe();
    context.streams.delete(res);
  });
}

/** The overview's updates. */
export function overviewEvents(context: RouteContext, res: ServerResponse): void {
  streamTopic(context, res, 'overview', context.overviewTopic);
}

/**
 * One job's updates, rendered with the actions this request may take: pages allowed the same
 * actions share one read per change of the job.
 */
export async function jobEvents(
  context: RouteContext,
  request: DashboardRequest,
  id: string,
  res: ServerResponse,
): Promise<void> {
  const allowed = await context.allowedActions(request);
  const key = `job:${id}:${[...allowed].sort().join(',')}`;
  streamTopic(context, res, key, {
    read: async () =>
      renderJobFigures(
        context.page,
        await context.management.getJob(id),
        allowed,
        context.now(),
      ).toString(),
    concerns: (documentId) => documentId === id,
  });
}

export function asset(request: DashboardRequest, name: string, res: ServerResponse): void {
  const file = loadAssets().get(name);
  if (file === undefined) {
    sendText(res, 404, 'Not found');
    return;
  }
  setSecurityHeaders(res);
  res.statusCode = 200;
  res.setHeader('Content-Type', file.contentType);
  res.setHeader('Content-Length', file.body.length);
  res.setHeader(
    'Cache-Control',
    request.query.get('v') === file.version ? 'public, max-age=31536000, immutable' : 'no-cache',
  );
  res.end(file.body);
}
