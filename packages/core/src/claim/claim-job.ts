import type { Collection, Document, Filter, UpdateFilter } from 'mongodb';
import { ConnectionError, MonqueError } from '../errors.js';
import { CLAIM_PRIORITY_KEY } from '../indexes.js';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { parseJobDocument } from '../jobs/parse-job-document.js';
import { abandonSet } from '../processing/outcome.js';
import { claimFence } from './fence.js';

/** Who claims: the instance id written to `claimedBy` and its heartbeat interval. */
export interface Claimant {
  readonly instanceId: string;
  readonly heartbeatInterval: number;
}

/**
 * What one claim round got: the jobs now held by this instance (in claim order), the foreign
 * documents met (marked failed, to be reported), and whether more due jobs may exist.
 */
export interface ClaimBatch {
  readonly jobs: JobDocument[];
  readonly errors: MonqueError[];
  /**
   * `false` only when the round saw that no more jobs of the name are due; `true` when the batch
   * was full, other instances took some candidates first, or foreign documents were met.
   */
  readonly more: boolean;
}

/** The largest number of jobs claimed in one round. */
export const MAX_CLAIM_BATCH = 100;

/** The claim filter: a due pending job of one name (served by the `monque_claim_priority` index). */
export function dueJobFilter(name: string, now: Date): Filter<JobDocument> {
  return { name, status: JobStatus.Pending, nextRunAt: { $lte: now } };
}

/**
 * Highest priority first, then oldest due; `_id` breaks ties so the order is total (served by the
 * `monque_claim_priority` index).
 */
export const CLAIM_SORT = { priority: -1, nextRunAt: 1, _id: 1 } as const;

/** The fields a claim by `claimant` in a round fenced by `now` sets (besides `lastHeartbeat`). */
function claimSet(claimant: Claimant, now: Date) {
  return {
    status: JobStatus.Processing,
    claimedBy: claimant.instanceId,
    lockedAt: now,
    heartbeatInterval: claimant.heartbeatInterval,
    updatedAt: now,
  } as const satisfies Partial<JobDocument>;
}

/**
 * The update that turns a pending job into one held by `claimant`: `lockedAt` is the round's
 * fence (`now`), and the first heartbeat is stamped with the server's own time when the claim
 * lands (`$currentDate`), so a claim delayed on its way is not stale on arrival and staleness is
 * judged on one clock.
 */
export function claimUpdate(claimant: Claimant, now: Date): UpdateFilter<JobDocument> {
  return { $set: claimSet(claimant, now), $currentDate: { lastHeartbeat: true } };
}

/**
 * The filter of the claiming write of a round: the candidates read, still pending and due, and
 * unchanged since they were read (same `updatedAt`; every write to a pending job sets it), so the
 * jobs claimed are exactly the documents read. Candidates are grouped by `updatedAt` (jobs
 * enqueued together share it); one whose `updatedAt` is not a date (a foreign document) is fenced
 * by its status and `nextRunAt` only.
 */
function unchangedCandidates(candidates: readonly JobDocument[], now: Date): Filter<JobDocument> {
  const ids = candidates.map((candidate) => candidate._id);
  const byUpdate = new Map<number | undefined, { at: unknown; ids: unknown[] }>();
  for (const { _id, updatedAt } of candidates) {
    const key = updatedAt instanceof Date ? updatedAt.getTime() : undefined;
    const group = byUpdate.get(key) ?? { at: updatedAt, ids: [] };
    group.ids.push(_id);
    byUpdate.set(key, group);
  }
  const clauses = [...byUpdate].map(([key, { at, ids: grouped }]) =>
    key === undefined ? { _id: { $in: grouped } } : { _id: { $in: grouped }, updatedAt: at },
  );
  const fence = clauses.length === 1 ? (clauses[0] as Document) : { $or: clauses };
  return {
    _id: { $in: ids },
    status: JobStatus.Pending,
    nextRunAt: { $lte: now },
    ...fence,
  } as Filter<JobDocument>;
}

/**
 * Claims up to `limit` due pending jobs of `name` (highest priority, then oldest due, first) for `claimant`; two instances can
 * never hold the same job.
 *
 * - One job (`limit` 1): one `findOneAndUpdate`.
 * - Several: the candidates (`find`, served by the claim index), then one `updateMany` claiming
 *   those still pending, due and unchanged since they were read (the status guard keeps each
 *   claim atomic: a job another instance took first is not matched). When it claimed every
 *   candidate, the claimed jobs are the documents read with the claim's fields (two round trips;
 *   their `lastHeartbeat` is `now`, the estimate of the server time the claim stamped). When it
 *   claimed fewer, a read of what this round claimed follows: the candidates now held by this
 *   instance with this round's `lockedAt` (one claim round per name at a time in an instance, so
 *   the pair names this round's claims exactly).
 *
 * A document that turns out not to be a Monque job (written by other software) is marked `failed`
 * with the reason, under the fence of the claim just taken, and returned in `errors`.
 *
 * @param collection - The jobs collection.
 * @param name - The job name (a registered worker's name).
 * @param claimant - This instance.
 * @param limit - How many jobs to claim at most (≥ 1; the free slots).
 * @param now - The claim time (the server's, as the instance estimates it): jobs due by then are
 * claimed; also the fence (`lockedAt`) of every claim of the round.
 * @param onClaimSent - Called just before the claiming write goes out: from then on, an error
 * leaves unknown what the round claimed (see `handBackRound`).
 */
export async function claimJobs(
  collection: Collection<JobDocument>,
  name: string,
  claimant: Claimant,
  limit: number,
  now: Date = new Date(),
  onClaimSent: () => void = () => {},
): Promise<ClaimBatch> {
  if (limit === 1) {
    onClaimSent();
    const claimed = await collection.findOneAndUpdate(
      dueJobFilter(name, now),
      claimUpdate(claimant, now),
      { sort: CLAIM_SORT, hint: CLAIM_PRIORITY_KEY, returnDocument: 'after' },
    );
    return claimed === null
      ? { jobs: [], errors: [], more: false }
      : sortOut(collection, [claimed], claimant, now, true);
  }
  const candidates = await collection
    .find(dueJobFilter(name, now), { sort: CLAIM_SORT, hint: CLAIM_PRIORITY_KEY, limit })
    .toArray();
  if (candidates.length === 0) {
    return { jobs: [], errors: [], more: false };
  }
  const ids = candidates.map((candidate) => candidate._id);
  let modifiedCount: number;
  onClaimSent();
  try {
    ({ modifiedCount } = await collection.updateMany(
      unchangedCandidates(candidates, now),
      claimUpdate(claimant, now),
    ));
  } catch (error) {
    // A multi-document update is not retried by the driver, and its reply can be lost after the
    // claim landed: pick up what this round did claim (its `lockedAt`), so those jobs run now
    // instead of waiting for stale recovery. The error is reported all the same.
    const claimed = await readRound(collection, claimant, now, ids);
    if (claimed.length === 0) throw error;
    const batch = await sortOut(collection, claimed, claimant, now, true);
    const reported = new ConnectionError(
      'could not confirm a claim of jobs; picked up what it claimed',
      {
        cause: error,
      },
    );
    return { ...batch, errors: [reported, ...batch.errors] };
  }
  const more = candidates.length === limit || modifiedCount < candidates.length;
  if (modifiedCount === 0) {
    return { jobs: [], errors: [], more };
  }
  const claimed =
    modifiedCount === candidates.length
      ? candidates.map((candidate) => ({
          ...candidate,
          ...claimSet(claimant, now),
          lastHeartbeat: now,
        }))
      : await readRound(collection, claimant, now, ids);
  return sortOut(collection, claimed, claimant, now, more);
}

/** The documents a claim round (`lockedAt` = `now`) of this instance holds, in claim order. */
export async function readRound(
  collection: Collection<JobDocument>,
  claimant: Claimant,
  now: Date,
  ids: readonly unknown[],
): Promise<JobDocument[]> {
  const claimed = await collection
    .find({
      claimedBy: claimant.instanceId,
      status: JobStatus.Processing,
      lockedAt: now,
      _id: { $in: [...ids] },
    } as Filter<JobDocument>)
    .toArray();
  // Started in claim order (highest priority, then oldest due, first).
  // (`String`, not `toHexString`: a foreign document's `_id` need not be an ObjectId.)
  const order = new Map(ids.map((id, index) => [String(id), index]));
  claimed.sort((a, b) => Number(order.get(String(a._id))) - Number(order.get(String(b._id))));
  return claimed;
}

/** Splits claimed documents into jobs and foreign documents (which are marked failed). */
export async function sortOut(
  collection: Collection<JobDocument>,
  claimed: readonly unknown[],
  claimant: Claimant,
  now: Date,
  more: boolean,
): Promise<ClaimBatch> {
  const jobs: JobDocument[] = [];
  const errors: MonqueError[] = [];
  for (const document of claimed) {
    const parsed = parseJobDocument(document);
    if (parsed.ok) {
      jobs.push(parsed.document);
      continue;
    }
    try {
      await collection.updateOne(
        claimFence({
          _id: (document as JobDocument)._id,
          claimedBy: claimant.instanceId,
          lockedAt: now,
        }),
        { $set: abandonSet(parsed.problem.message, new Date()) },
      );
      errors.push(new MonqueError(`${parsed.problem.message}; it was marked failed`));
    } catch (error) {
      // The jobs of the round are still started; the document goes stale and is met again.
      errors.push(
        new ConnectionError(`${parsed.problem.message}; it could not be marked failed`, {
          cause: error,
        }),
      );
    }
  }
  return { jobs, errors, more: more || errors.length > 0 };
}

/**
 * The earliest future `nextRunAt` among pending jobs of `name` (served by the claim index), so a
 * timer can wake the claim loop then.
 */
export async function findNextFutureRun(
  collection: Collection<JobDocument>,
  name: string,
  now: Date = new Date(),
): Promise<Date | null> {
  const next = await collection.findOne(
    { name, status: JobStatus.Pending, nextRunAt: { $gt: now } },
    { sort: { nextRunAt: 1 }, projection: { _id: 0, nextRunAt: 1 } },
  );
  return next?.nextRunAt instanceof Date ? next.nextRunAt : null;
}

/**
 * The `nextRunAt` of the pending job of `name` that is due first — already due or not (served by
 * the claim index): one query tells a backup poll both whether to claim and when to wake.
 */
export async function findNextPendingRun(
  collection: Collection<JobDocument>,
  name: string,
): Promise<Date | null> {
  const next = await collection.findOne(
    { name, status: JobStatus.Pending },
    { sort: { nextRunAt: 1 }, projection: { _id: 0, nextRunAt: 1 } },
  );
  return next?.nextRunAt instanceof Date ? next.nextRunAt : null;
}
