import { type Document, ObjectId } from 'mongodb';
import type { BenchQueue } from './libraries/types.js';

const CHUNK = 1000;

/**
 * Adds `count` due jobs of `name` with `seq` from `firstSeq` on. The first goes through the
 * library's own enqueue; the rest are copies of the document it wrote (new `_id` and `seq`),
 * inserted in chunks, so seeding a large queue is quick and the jobs are exactly what the
 * library itself stores.
 */
export async function seedDueJobs(
  queue: BenchQueue,
  name: string,
  count: number,
  firstSeq = 0,
): Promise<void> {
  if (count <= 0) {
    return;
  }
  await queue.enqueue(name, firstSeq);
  const template = await queue.collection.findOne({ name, 'data.seq': firstSeq });
  if (template === null) {
    throw new Error(`seeding: the ${queue.library} job written by enqueue was not found`);
  }
  for (let start = 1; start < count; start += CHUNK) {
    const end = Math.min(count, start + CHUNK);
    const documents: Document[] = [];
    for (let index = start; index < end; index += 1) {
      documents.push({ ...template, _id: new ObjectId(), data: { seq: firstSeq + index } });
    }
    await queue.collection.insertMany(documents, { ordered: false });
  }
}
