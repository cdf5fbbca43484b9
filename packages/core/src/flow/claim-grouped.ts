import type { AnyBulkWriteOperation, Collection, Filter } from 'mongodb';
import {
  CLAIM_SORT,
  type Claimant,
  type ClaimBatch,
  claimUpdate,
  dueJobFilter,
  MAX_CLAIM_BATCH,
  readRound,
  sortOut,
} from '../claim/claim-job.js';
import { ConnectionError } from '../errors.js';
import { CLAIM_PRIORITY_KEY, GROUP_SLOT_KEY } from '../indexes.js';
import type { JobDocument } from '../jobs/job.js';
import { JobStatus } from '../jobs/job-status.js';
import { DUPLICATE_KEY } from '../scheduling/insert-job.js';

/** The slots (0 to K − 1) each group of a name holds, by `groupKey`. */
export type HeldSlots = Map<string, Set<number>>;

/**
 * The group slots the running jobs of `name` hold: one `find` on the `monque_group_slot` index.
 */
export async function readHeldSlots(
  collection: Collection<JobDocument>,
  name: string,
): Promise<HeldSlots> {
  const held = await collection
    .find({ name, groupSlot: { $type: 'number' } } as unknown as Filter<JobDocument>, {
      projection: { _id: 0, groupKey: 1, groupSlot: 1 },
      hint: GROUP_SLOT_KEY,
    })
    .toArray();
  const slots: HeldSlots = new Map();
  for (const { groupKey, groupSlot } of held) {
    if (typeof groupKey !== 'string' || typeof groupSlot !== 'number') continue;
    const taken = slots.get(groupKey) ?? new Set<number>();
    taken.add(groupSlot);
    slots.set(groupKey, taken);
  }
  return slots;
}

/** A candidate to claim and the group slot it is to take (`null`: it has no group). */
export interface SlotAssignment {
  readonly _id: JobDocument['_id'];
  readonly slot: number | null;
}

/**
 * Picks, in claim order, up to `limit` candidates that can run now: a job without a group always,
 * a job of a group only while the group has a free slot (the lowest one is taken). So within a
 * group jobs start in claim order: a later job never takes a slot an earlier one could not.
 */
export function assignSlots(
  candidates: readonly Pick<JobDocument, '_id' | 'groupKey'>[],
  held: HeldSlots,
  groupConcurrency: number,
  limit: number,
): SlotAssignment[] {
  const taken = new Map([...held].map(([key, slots]) => [key, new Set(slots)]));
  const assigned: SlotAssignment[] = [];
  for (const { _id, groupKey } of candidates) {
    if (assigned.length === limit) break;
    if (typeof groupKey !== 'string') {
      assigned.push({ _id, slot: null });
      continue;
    }
    const slots = taken.get(groupKey) ?? new Set<number>();
    let slot = 0;
    while (slots.has(slot)) slot += 1;
    if (slot >= groupConcurrency) continue;
    slots.add(slot);
    taken.set(groupKey, slots);
    assigned.push({ _id, slot });
  }
  return assigned;
}

interface WriteErrorsLike {
  readonly writeErrors?: unknown;
}

/** Whether a bulk write failed only because unique keys were taken (group slots). */
function onlySlotConflicts(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { writeErrors } = error as WriteErrorsLike;
  const list = Array.isArray(writeErrors) ? writeErrors : [writeErrors];
  return (
    list.length > 0 &&
    list.every((entry) => (entry as { code?: unknown } | undefined)?.code === DUPLICATE_KEY)
  );
}

/**
 * Claims up to `limit` due jobs of `name` for a worker with `groupConcurrency` K: at most K jobs
 * of one name and `groupKey` run at once across all instances. The database enforces it: each
 * claimed job of a group takes a numbered slot (`groupSlot`, 0 to K − 1), and the unique index
 * `monque_group_slot` refuses a second running job in a slot. A round:
 *
 * 1. reads the slots the name's groups hold ({@link readHeldSlots});
 * 2. reads the candidates in claim order (priority, `nextRunAt`, `_id`), leaving out the groups
 *    whose slots are all held;
 * 3. gives each candidate the lowest free slot of its group, in order ({@link assignSlots});
 * 4. claims them with one unordered `bulkWrite` of `updateOne`s guarded by `status: 'pending'`:
 *    a write that meets a slot another instance took meanwhile fails with a duplicate key, and
 *    that job stays pending for a later round;
 * 5. reads back what the round claimed (as `claimJobs` does).
 *
 * A slot is released with the claim by every write that ends it (outcome, hand-back, takeover:
 * `groupSlot: null`), so a crashed instance's slots come back with the takeover of its jobs.
 */
export async function claimGroupedJobs(
  collection: Collection<JobDocument>,
  name: string,
  claimant: Claimant,
  limit: number,
  groupConcurrency: number,
  now: Date,
  onClaimSent: () => void = () => {},
): Promise<ClaimBatch> {
  const held = await readHeldSlots(collection, name);
  const full = [...held].filter(([, slots]) => slots.size >= groupConcurrency).map(([key]) => key);
  const filter: Filter<JobDocument> =
    full.length === 0
      ? dueJobFilter(name, now)
      : { ...dueJobFilter(name, now), groupKey: { $nin: full } };
  const candidates = await collection
    .find(filter, {
      projection: { _id: 1, groupKey: 1 },
      sort: CLAIM_SORT,
      hint: CLAIM_PRIORITY_KEY,
      limit: MAX_CLAIM_BATCH,
    })
    .toArray();
  const assigned = assignSlots(candidates, held, groupConcurrency, limit);
  if (assigned.length === 0) {
    return { jobs: [], errors: [], more: false };
  }
  const claim = claimUpdate(claimant, now);
  const writes: AnyBulkWriteOperation<JobDocument>[] = assigned.map(({ _id, slot }) => ({
    updateOne: {
      filter: { _id, status: JobStatus.Pending, nextRunAt: { $lte: now } },
      update: { ...claim, $set: { ...claim.$set, groupSlot: slot } },
    },
  }));
  const ids = assigned.map(({ _id }) => _id);
  onClaimSent();
  let conflicts = false;
  try {
    await collection.bulkWrite(writes, { ordered: false });
  } catch (error) {
    if (onlySlotConflicts(error)) {
      conflicts = true;
    } else {
      // As in `claimJobs`: the reply may be lost after some claims landed; pick those up.
      const claimed = await readRound(collection, claimant, now, ids);
      if (claimed.length === 0) throw error;
      const batch = await sortOut(collection, claimed, claimant, now, true);
      const reported = new ConnectionError(
        'could not confirm a claim of jobs; picked up what it claimed',
        { cause: error },
      );
      return { ...batch, errors: [reported, ...batch.errors] };
    }
  }
  const claimed = await readRound(collection, claimant, now, ids);
  // More may be claimable: every free slot was used, more candidates were left unread, or other
  // instances took some of this round's jobs or slots first.
  const more =
    assigned.length === limit ||
    candidates.length === MAX_CLAIM_BATCH ||
    conflicts ||
    claimed.length < assigned.length;
  return sortOut(collection, claimed, claimant, now, more);
}
