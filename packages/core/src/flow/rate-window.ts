import type { Collection, Document, Filter } from 'mongodb';
import { type ControlDocument, rateId } from './control-collection.js';
import type { RateLimit } from './rate-limit.js';

/**
 * What {@link takeStarts} got: how many jobs may start now, and — with none — how long until the
 * oldest start counted leaves the window (in ms, on the server's clock).
 */
export interface StartGrant {
  readonly granted: number;
  /** The server's time of the take: the time the granted starts are counted at. */
  readonly at: Date;
  /** When none was granted: ms until one start is free again. */
  readonly retryIn?: number;
}

/** The server's time of the write, read once (`at`) and used for every start it takes. */
const NOW = '$$NOW';

/**
 * The update (a pipeline) that takes up to `want` starts of a window, all on the server's clock:
 * the starts later than `$$NOW − duration` are counted, `granted` = min(`want`, `max` − counted),
 * and `granted` copies of `$$NOW` are appended; the document keeps the latest `max` starts (never
 * pruned by age). `granted` and the write's time (`at`) are left on the document for the reply.
 */
function takeUpdate(name: string, want: number, { max, duration }: RateLimit): Document[] {
  return [
    { $set: { kind: 'rate', name, at: NOW, starts: { $ifNull: ['$starts', []] } } },
    {
      $set: {
        granted: {
          $max: [
            0,
            {
              $min: [
                want,
                {
                  $subtract: [
                    max,
                    {
                      $size: {
                        $filter: {
                          input: '$starts',
                          cond: { $gt: ['$$this', { $subtract: ['$at', duration] }] },
                        },
                      },
                    },
                  ],
                },
              ],
            },
          ],
        },
      },
    },
    {
      $set: {
        starts: {
          $slice: [
            {
              $concatArrays: [
                '$starts',
                { $map: { input: { $range: [0, '$granted'] }, in: '$at' } },
              ],
            },
            -max,
          ],
        },
      },
    },
  ];
}

/**
 * Takes up to `want` starts of the rate limit of `name`, across all instances, with one atomic
 * `findOneAndUpdate` (an upsert, see {@link takeUpdate}) on the window document (`rate:<name>` in
 * the control collection): a start is allowed while fewer than `max` starts are later than
 * `now − duration`, with every time read from the server's clock, so no span of `duration` ms
 * holds more than `max` starts whatever the instances' clocks.
 *
 * @returns How many were granted; with none, how long until the window has room.
 */
export async function takeStarts(
  collection: Collection<ControlDocument>,
  name: string,
  want: number,
  limit: RateLimit,
): Promise<StartGrant> {
  const window = (await collection.findOneAndUpdate(
    { _id: rateId(name) } as Filter<ControlDocument>,
    takeUpdate(name, want, limit),
    { upsert: true, returnDocument: 'after' },
  )) as { granted?: unknown; at?: unknown; starts?: unknown } | null;
  const granted = typeof window?.granted === 'number' ? window.granted : 0;
  const at = window?.at instanceof Date ? window.at : new Date();
  if (granted > 0) return { granted, at };
  const starts = Array.isArray(window?.starts) ? (window.starts as unknown[]) : [];
  const oldest = starts[starts.length - limit.max];
  const retryIn =
    oldest instanceof Date
      ? Math.max(1, oldest.getTime() + limit.duration - at.getTime() + 1)
      : limit.duration;
  return { granted: 0, at, retryIn };
}

/**
 * Gives back `count` starts that a round took at `at` (the server's time of its take) and did not
 * use (the claim found fewer due jobs): up to `count` starts equal to `at` are removed, latest
 * first, with one atomic update, so they do not count against the limit. (A start of another
 * instance taken in the same millisecond is the same start for the limit.)
 */
export async function giveBackStarts(
  collection: Collection<ControlDocument>,
  name: string,
  count: number,
  at: Date,
): Promise<void> {
  await collection.updateOne({ _id: rateId(name) } as Filter<ControlDocument>, [
    {
      $set: {
        giveBack: {
          $reduce: {
            input: { $reverseArray: '$starts' },
            initialValue: { kept: [], left: count },
            in: {
              $cond: [
                { $and: [{ $eq: ['$$this', at] }, { $gt: ['$$value.left', 0] }] },
                { kept: '$$value.kept', left: { $subtract: ['$$value.left', 1] } },
                { kept: { $concatArrays: [['$$this'], '$$value.kept'] }, left: '$$value.left' },
              ],
            },
          },
        },
      },
    },
    { $set: { starts: '$giveBack.kept' } },
    { $unset: 'giveBack' },
  ]);
}
