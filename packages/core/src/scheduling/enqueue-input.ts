import type { JobDocument } from '../jobs/job.js';
import { readCallOptions } from '../runtime/call-options.js';
import { assertJobName } from '../validation/job-name.js';
import { assertPayload } from '../validation/payload.js';
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
}

/**
 * Checks a job to enqueue and builds its pending document: the name, the options (`runAt`,
 * `uniqueKey`; no other keys) and the data (`undefined` is stored as `null`). Nothing is written.
 *
 * @param path - What the argument names in errors start with, such as `'jobs[2].'` (default none).
 * @throws InvalidArgumentError or PayloadTooLargeError naming the offending argument.
 */
export function prepareEnqueue(
  { name, data, options }: EnqueueInput,
  maxPayloadSize: number,
  now: Date,
  path = '',
): PreparedJob {
  assertJobName(name, `${path}name`);
  const { runAt, uniqueKey } = readCallOptions(options, ['runAt', 'uniqueKey'], `${path}options`);
  if (runAt !== undefined) {
    assertRunAt(runAt, `${path}options.runAt`);
  }
  if (uniqueKey !== undefined) {
    assertUniqueKey(uniqueKey, `${path}options.uniqueKey`);
  }
  const payload = data === undefined ? null : data;
  assertPayload(payload, maxPayloadSize, `${path}data`);
  const document = newJobDocument({ name, data: payload, nextRunAt: runAt ?? now, uniqueKey }, now);
  return { document, uniqueKey };
}
