import type { Collection, Filter } from 'mongodb';
import { type ControlDocument, type PauseDocument, pauseId } from './control-collection.js';

/** Which job names are paused: all of them, and the names paused one by one. */
export interface PauseView {
  readonly all: boolean;
  readonly names: ReadonlySet<string>;
}

/**
 * Writes the pause state of one job name, or of all (`name: null`), with one upsert on its `_id`.
 */
export async function writePause(
  collection: Collection<ControlDocument>,
  name: string | null,
  paused: boolean,
  now: Date,
): Promise<void> {
  await collection.updateOne(
    { _id: pauseId(name) },
    { $set: { kind: 'pause', name, paused, updatedAt: now } },
    { upsert: true },
  );
}

/** Whether `name` (or, for `null`, every name) is paused, as stored: one `find` by `_id`. */
export async function readPaused(
  collection: Collection<ControlDocument>,
  name: string | null,
): Promise<boolean> {
  const ids = name === null ? [pauseId(null)] : [pauseId(null), pauseId(name)];
  const paused = await collection.countDocuments({
    _id: { $in: ids },
    kind: 'pause',
    paused: true,
  } as Filter<ControlDocument>);
  return paused > 0;
}

/** Every pause in force, as stored: one `find`. */
export async function readPauses(collection: Collection<ControlDocument>): Promise<PauseView> {
  const documents = (await collection
    .find({ kind: 'pause', paused: true } as Filter<ControlDocument>, {
      projection: { _id: 0, name: 1 },
    })
    .toArray()) as Array<Pick<PauseDocument, 'name'>>;
  const names = new Set<string>();
  let all = false;
  for (const { name } of documents) {
    if (name === null) all = true;
    else if (typeof name === 'string') names.add(name);
  }
  return { all, names };
}
