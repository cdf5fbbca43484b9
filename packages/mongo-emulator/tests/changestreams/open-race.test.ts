import type { ChangeStreamDocument, Document, Timestamp } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestEmulator, type TestEmulator } from '../helpers/start-test-emulator.js';

let env: TestEmulator;
beforeAll(async () => {
  env = await startTestEmulator();
});
afterAll(() => env.stop());

type Doc = Document & { _id: number };
const db = () => env.client.db('open_race');
const ids = (events: Array<ChangeStreamDocument | null>) =>
  events.map(
    (event) => (event as (ChangeStreamDocument & Document) | null)?.documentKey?._id ?? null,
  );

/**
 * The driver sends a change stream's `aggregate` only on its first `next`/`tryNext`/`hasNext`;
 * without a start option, MongoDB reports the changes after that `aggregate`. The emulator does
 * the same (README: known differences), so a write made between `watch()` and the first read is
 * not reported — on a real mongod too, unless that write happens to be slower than the
 * `aggregate`.
 */
describe('opening a change stream', () => {
  it('does not report writes made before the stream sent its aggregate', async () => {
    const c = db().collection<Doc>('lazy');
    const stream = c.watch([], { maxAwaitTimeMS: 50 });
    await c.insertOne({ _id: 1 });
    const first = await stream.tryNext(); // sends the aggregate now, after the insert
    await c.insertOne({ _id: 2 });
    const second = await stream.tryNext();
    await stream.close();
    expect(ids([first, second])).toEqual([null, 2]);
  });

  it('reports them when the stream is opened first (await tryNext)', async () => {
    const c = db().collection<Doc>('opened');
    const stream = c.watch([], { maxAwaitTimeMS: 50 });
    expect(await stream.tryNext()).toBeNull();
    await c.insertOne({ _id: 1 });
    const event = await stream.next();
    await stream.close();
    expect(ids([event])).toEqual([1]);
  });

  it('reports them from startAtOperationTime, whenever the aggregate is sent', async () => {
    const c = db().collection<Doc>('from_time');
    const { operationTime } = await db().command({ ping: 1 });
    const stream = c.watch([], {
      maxAwaitTimeMS: 50,
      startAtOperationTime: operationTime as Timestamp,
    });
    await c.insertOne({ _id: 1 });
    const event = await stream.next();
    await stream.close();
    expect(ids([event])).toEqual([1]);
  });
});
