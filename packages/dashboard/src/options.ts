import type { IncomingMessage } from 'node:http';
import { InvalidArgumentError } from '@monque/core';
import type { Db } from 'mongodb';
import type { JobAction, QueueManagement } from './management.js';

/** What a request wants to do: look (`'view'`, every page and the live updates) or act on a job. */
export type DashboardAction = 'view' | JobAction;

/**
 * Decides whether a request may do `action`. Return (or resolve to) `true` to allow it.
 *
 * @example
 * ```ts
 * const authorize: Authorize = (req, action) =>
 *   action === 'view' || req.headers['x-user-role'] === 'admin';
 * ```
 */
export type Authorize = (
  req: IncomingMessage,
  action: DashboardAction,
) => boolean | Promise<boolean>;

interface CommonOptions {
  /**
   * The URL path the dashboard is served under, such as `'/admin/queue'` (no trailing slash;
   * `''` or `'/'` for the root). Links and the CSRF cookie use it. Default `''`.
   */
  basePath?: string;
  /**
   * Decides every request (pages, live updates, actions). Default: allow only requests from a
   * loopback address (127.0.0.0/8, ::1), refuse the rest with 403.
   */
  authorize?: Authorize;
  /** Hide every action and refuse action requests (403) whatever `authorize` says. Default `false`. */
  readOnly?: boolean;
  /**
   * How often the open live pages (overview, job) re-read their figures, in milliseconds: the
   * only refresh where change streams are unavailable, and in live mode what keeps time-based
   * figures (throughput, lag, heartbeat ages) current between changes. Default 5000.
   */
  refreshInterval?: number;
  /**
   * The key CSRF tokens are signed with (at least 32 characters). Default: a random key per
   * dashboard, so tokens do not survive a restart; give one when several processes serve the
   * same dashboard behind a load balancer.
   */
  csrfSecret?: string;
  /**
   * Receives errors the dashboard could not show to anyone in particular (a failed change stream,
   * a failed refresh of the live overview, an `authorize` that threw). Default: a process warning.
   */
  onError?: (error: Error) => void;
  /** The page title. Default `'Monque'`. */
  title?: string;
}

/** A dashboard over an existing Monque instance (it need not be started). */
export interface DashboardMonqueOptions extends CommonOptions {
  monque: QueueManagement;
  db?: never;
  collectionName?: never;
}

/** A dashboard over a database: it makes its own (never started) Monque instance. */
export interface DashboardDbOptions extends CommonOptions {
  db: Db;
  /** The jobs collection. Default `'monque_jobs'`, as Monque's. */
  collectionName?: string;
  monque?: never;
}

/** Options of {@link createDashboard}. */
export type DashboardOptions = DashboardMonqueOptions | DashboardDbOptions;

/** Options with defaults applied. */
export interface ResolvedDashboardOptions {
  readonly basePath: string;
  readonly authorize: Authorize;
  readonly readOnly: boolean;
  readonly refreshInterval: number;
  readonly csrfSecret: string | undefined;
  readonly onError: (error: Error) => void;
  readonly title: string;
}

const BASE_PATH = /^(?:\/[A-Za-z0-9\-._~]+)*$/;
const MAX_REFRESH_INTERVAL = 2 ** 31 - 1;

/** Whether a socket address is a loopback address (IPv4 127/8, IPv6 ::1, IPv4-mapped 127/8). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4) || address === '::1';
}

/** The default {@link Authorize}: requests from this machine only. */
export const allowLoopbackOnly: Authorize = (req) => isLoopbackAddress(req.socket.remoteAddress);

function defaultOnError(error: Error): void {
  process.emitWarning(error);
}

function resolveBasePath(basePath: unknown): string {
  if (basePath === undefined) return '';
  if (typeof basePath !== 'string') {
    throw new InvalidArgumentError(
      'options.basePath',
      "must be a path such as '/admin/queue'",
      basePath,
    );
  }
  const trimmed = basePath === '/' ? '' : basePath;
  if (
    !BASE_PATH.test(trimmed) ||
    trimmed.split('/').some((part) => part === '.' || part === '..')
  ) {
    throw new InvalidArgumentError(
      'options.basePath',
      "must be '' or '/' or a path of letters, digits and -._~ segments without a trailing slash, such as '/admin/queue'",
      basePath,
    );
  }
  return trimmed;
}

function assertFunction(value: unknown, argument: string): void {
  if (value !== undefined && typeof value !== 'function') {
    throw new InvalidArgumentError(argument, 'must be a function', value);
  }
}

/** Every option {@link createDashboard} accepts; any other key is refused (so a typo fails loudly). */
export const DASHBOARD_OPTION_NAMES = [
  'monque',
  'db',
  'collectionName',
  'basePath',
  'authorize',
  'readOnly',
  'refreshInterval',
  'csrfSecret',
  'onError',
  'title',
] as const;

/** Validates the options shared by both forms and applies the defaults. */
export function resolveDashboardOptions(options: CommonOptions): ResolvedDashboardOptions {
  const unknown = Object.keys(options).filter(
    (key) => !(DASHBOARD_OPTION_NAMES as readonly string[]).includes(key),
  );
  if (unknown.length > 0) {
    throw new InvalidArgumentError(
      'options',
      `has unknown option(s) ${unknown.join(', ')} (known: ${DASHBOARD_OPTION_NAMES.join(', ')})`,
      unknown,
    );
  }
  assertFunction(options.authorize, 'options.authorize');
  assertFunction(options.onError, 'options.onError');
  if (options.readOnly !== undefined && typeof options.readOnly !== 'boolean') {
    throw new InvalidArgumentError('options.readOnly', 'must be a boolean', options.readOnly);
  }
  const refreshInterval = options.refreshInterval ?? 5000;
  if (
    typeof refreshInterval !== 'number' ||
    !Number.isInteger(refreshInterval) ||
    refreshInterval <= 0 ||
    refreshInterval > MAX_REFRESH_INTERVAL
  ) {
    throw new InvalidArgumentError(
      'options.refreshInterval',
      `must be a whole number of milliseconds from 1 to ${MAX_REFRESH_INTERVAL}`,
      options.refreshInterval,
    );
  }
  if (
    options.csrfSecret !== undefined &&
    (typeof options.csrfSecret !== 'string' || options.csrfSecret.length < 32)
  ) {
    throw new InvalidArgumentError(
      'options.csrfSecret',
      'must be a string of at least 32 characters',
      typeof options.csrfSecret === 'string' ? '(a shorter string)' : options.csrfSecret,
    );
  }
  if (options.title !== undefined && typeof options.title !== 'string') {
    throw new InvalidArgumentError('options.title', 'must be a string', options.title);
  }
  return {
    basePath: resolveBasePath(options.basePath),
    authorize: options.authorize ?? allowLoopbackOnly,
    readOnly: options.readOnly ?? false,
    refreshInterval,
    csrfSecret: options.csrfSecret,
    onError: options.onError ?? defaultOnError,
    title: options.title ?? 'Monque',
  };
}
