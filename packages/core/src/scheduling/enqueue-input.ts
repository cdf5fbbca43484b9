import type { JobDocument } from '../jobs/job.js';
import { readCallOptions } from '../runtime/call-options.js';
import { assertJobName } from '../validation/job-name.js';
import { assertJobTimeout } from '../validation/job-timeout.js';
import { assertPayload } from '../validation/payload.js';
import { assertPriority } from '../validation/priority.js';
import { assertRunAt } from '../validation/run-at.js';
import { assertUniqueKey } from '../validation/unique-key.js';
import { newJobDocument } from './new-job.js';

/** A job to enqueue as the caller gave it (not yet checked). */
export interface EnqueueInput {
  readonly name: unknown;
  readonly data: unknown;
  readonly options: unknown;
}

/** A checked job to enqueue: its new document, and its unique key if it has one. */
export interface PreparedJob {
  readonly document: Omit<JobDocument, '_id'>;
  readonly uniqueKey: string | undefined;
  /** The `runAt` given, if any (without one, the job is due at the time it is stored). */
  readonly runAt: Date | undefined;
}

/** The priority of a job enqueued without one: its worker's `priority` where known, else 0. */
export type DefaultPriority = (name: string) => number | undefined;

/**
 * Checks a job to enqueue and builds its pending document: the name, the options (`runAt`,
 * `uniqueKey`, `timeout`, `priority`, `groupKey`; no other keys) and the data (`undefined` is
 * stored as `null`). Nothing is written.
 *
 * @param path - What the argument names in errors start with, such as `'jobs[2].'` (default none).
 * @param defaultPriority - The priority of a job given none (default: 0).
 * @throws InvalidArgumentError or PayloadTooLargeError naming the offending argument.
 */
export function prepareEnqueue(
  { name, data, options }: EnqueueInput,
  maxPayloadSize: number,
  now: Date,
  path = '',
  defaultPriority: DefaultPriority = () => undefined,
): PreparedJob {
  assertJobName(name, `${path}name`);
  const { runAt, uniqueKey, timeout, priority, groupKey } = readCallOptions(
    options,
    ['runAt', 'uniqueKey', 'timeout', 'priority', 'groupKey'],
    `${path}options`,
  );
  if (priority !== undefined) {
    assertPriority(priority, `${path}options.priority`);
  }
  if (groupKey !== undefined) {
    assertUniqueKey(groupKey, `${path}options.groupKey`);
  }
  if (runAt !== undefined) {
    assertRunAt(runAt, `${path}options.runAt`);
  }
  if (uniqueKey !== undefined) {
    assertUniqueKey(uniqueKey, `${path}options.uniqueKey`);
  }
  if (timeout !== undefined) {
    assertJobTimeout(timeout, `${path}options.timeout`);
  }
  const payload = data === undefined ? null : data;
  assertPayload(payload, maxPayloadSize, `${path}data`);
  const document = newJobDocument(
    {
      name,
      data: payload,
      nextRunAt: runAt ?? now,
      uniqueKey,
      timeout,
      priority: priority ?? defaultPriority(name),
      groupKey,
    },
    now,
  );
  return { document, uniqueKey, runAt };
}

/**
 * The prepared job's document stamped with `now` (the database's time, read once the instance is
 * initialized): created and updated then, and due then unless a `runAt` was given.
 */
export function stampPreparedJob(prepared: PreparedJob, now: Date): Omit<JobDocument, '_id'> {
  return {
    ...prepared.document,
    nextRunAt: prepared.runAt ?? now,
    createdAt: now,
    updatedAt: now,
  };
}
