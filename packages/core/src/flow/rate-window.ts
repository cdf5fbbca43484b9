import { type Collection, type Filter, MongoServerError } from 'mongodb';
import { DUPLICATE_KEY } from '../scheduling/insert-job.js';
import { type ControlDocument, type RateWindowDocument, rateId } from './control-collection.js';
import type { RateLimit } from './rate-limit.js';

/** What {@link takeStarts} got: how many jobs may start now, or when to ask again. */
export type StartGrant =
  | { readonly granted: number; readonly retryAt?: undefined }
  | { readonly granted: 0; readonly retryAt: Date };

/** How many compare-and-set attempts a take or give-back makes before it yields. */
export const MAX_WINDOW_ATTEMPTS = 8;

/**
 * The starts a window keeps: the latest `max` by time (never pruned by age, so instances whose
 * clocks differ slightly cannot drop a start another one still counts).
 */
function latest(starts: readonly Date[], max: number): Date[] {
  return [...starts].sort((a, b) => a.getTime() - b.getTime()).slice(-max);
}

async function readWindow(
  collection: Collection<ControlDocument>,
  name: string,
): Promise<RateWindowDocument | null> {
  return (await collection.findOne({
    _id: rateId(name),
  } as Filter<ControlDocument>)) as RateWindowDocument | null;
}

/**
 * Writes `starts` to the window of `name` if it is still at `version` (`-1`: it does not exist
 * yet): one conditional `findOneAndUpdate` (an upsert for a new window). `false` when another
 * instance wrote first.
 */
async function compareAndSet(
  collection: Collection<ControlDocument>,
  name: string,
  version: number,
  starts: Date[],
): Promise<boolean> {
  const filter =
    version < 0
      ? { _id: rateId(name), version: { $exists: false } }
      : { _id: rateId(name), version };
  try {
    const written = await collection.findOneAndUpdate(
      filter as Filter<ControlDocument>,
      { $set: { kind: 'rate', name, starts, version: version + 1 } },
      { upsert: version < 0, returnDocument: 'after', projection: { _id: 1 } },
    );
    return written !== null;
  } catch (error) {
    // A new window both instances tried to create: the other one's is there now.
    if (error instanceof MongoServerError && error.code === DUPLICATE_KEY) return false;
    throw error;
  }
}

/**
 * Takes up to `want` starts of the rate limit of `name` at `now`, across all instances: the
 * window document (`rate:<name>` in the control collection) holds the times of the latest `max`
 * starts; a start is allowed while fewer than `max` of them are later than `now − duration`, so
 * no span of `duration` ms ever holds more than `max` starts. The new starts are written with a
 * compare-and-set on the document's `version` (one conditional `findOneAndUpdate`), retried
 * when another instance wrote first.
 *
 * @returns How many were granted; with none, when the oldest start counted leaves the window.
 */
export async function takeStarts(
  collection: Collection<ControlDocument>,
  name: string,
  want: number,
  limit: RateLimit,
  now: Date,
): Promise<StartGrant> {
  const since = now.getTime() - limit.duration;
  for (let attempt = 0; attempt < MAX_WINDOW_ATTEMPTS; attempt += 1) {
    const window = await readWindow(collection, name);
    const starts = latest(window?.starts ?? [], limit.max);
    const counted = starts.filter((start) => start.getTime() > since);
    const granted = Math.min(want, limit.max - counted.length);
    if (granted <= 0) {
      // The oldest of the `max` latest starts: once it leaves the window, one start is free.
      const oldest = counted[counted.length - limit.max] as Date;
      return { granted: 0, retryAt: new Date(oldest.getTime() + limit.duration + 1) };
    }
    const next = latest([...starts, ...Array.from({ length: granted }, () => now)], limit.max);
    if (await compareAndSet(collection, name, window?.version ?? -1, next)) {
      return { granted };
    }
  }
  // Other instances kept writing first: they are taking the starts; ask again shortly.
  return { granted: 0, retryAt: new Date(now.getTime() + 1) };
}

/**
 * Gives back `count` starts taken at `at` and not used (the claim found fewer due jobs), so they
 * do not count against the limit. Best effort: after {@link MAX_WINDOW_ATTEMPTS} lost races the
 * starts stay counted (the limit is then only stricter).
 */
export async function giveBackStarts(
  collection: Collection<ControlDocument>,
  name: string,
  count: number,
  at: Date,
): Promise<void> {
  for (let attempt = 0; attempt < MAX_WINDOW_ATTEMPTS; attempt += 1) {
    const window = await readWindow(collection, name);
    if (window === null) return;
    const starts = [...window.starts];
    let removed = 0;
    for (let index = starts.length - 1; index >= 0 && removed < count; index -= 1) {
      if (starts[index]?.getTime() === at.getTime()) {
        starts.splice(index, 1);
        removed += 1;
      }
    }
    if (removed === 0) return;
    if (await compareAndSet(collection, name, window.version, starts)) return;
  }
}
