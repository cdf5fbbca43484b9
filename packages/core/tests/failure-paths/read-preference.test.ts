import type { CommandStartedEvent } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { nextEvent, useSchedulerHarness } from '../setup/scheduler-harness.js';

const READS = new Set(['find', 'aggregate', 'count', 'distinct']);
const WRITES = new Set(['insert', 'update', 'delete', 'findAndModify', 'createIndexes']);

/**
 * Reads that decide ownership must not go to a lagging secondary, and writes must be majority
 * acknowledged, whatever the application's client defaults to.
 */
describe('the jobs collection ignores the client’s read preference and write concern', () => {
  const harness = useSchedulerHarness('read_preference');

  it('sends every read to the primary and every write with w: majority', async () => {
    const collectionName = harness.collectionName();
    const db = await harness.separateDb({
      readPreference: 'secondaryPreferred',
      writeConcern: { w: 1 },
      monitorCommands: true,
    });
    const commands: CommandStartedEvent[] = [];
    db.client.on('commandStarted', (event) => {
      if (event.command[event.commandName] === collectionName) commands.push(event);
    });
    const monque = harness.create({ collectionName, maxRetries: 1 }, db);
    monque.worker('ok', () => {}, { concurrency: 5 });
    monque.worker('bad', () => {
      throw new Error('fails');
    });
    await monque.enqueueMany(Array.from({ length: 5 }, (_, i) => ({ name: 'ok', data: { i } })));
    await monque.enqueue('ok', null, { uniqueKey: 'k' });
    await monque.schedule('0 0 1 1 *', 'ok', null);
    const failed = nextEvent(monque, 'job:fail');
    await monque.start();
    await monque.enqueue('bad', null);
    await failed;
    await expect
      .poll(() => monque.collection.countDocuments({ status: 'completed' }), { timeout: 5000 })
      .toBe(6);
    await monque.stop();

    const reads = commands.filter(({ commandName }) => READS.has(commandName));
    const writes = commands.filter(({ commandName }) => WRITES.has(commandName));
    // The batched claim reads its candidates (due pending jobs): the read that decides what it
    // claims.
    expect(
      reads.some(
        ({ command }) => command.filter?.status === 'pending' && 'nextRunAt' in command.filter,
      ),
    ).toBe(true);
    expect(new Set(writes.map(({ commandName }) => commandName))).toEqual(
      new Set(['insert', 'update', 'findAndModify', 'createIndexes']),
    );
    for (const { commandName, command } of reads) {
      expect(command.$readPreference, `${commandName} ${JSON.stringify(command)}`).toBeUndefined();
    }
    for (const { commandName, command } of writes) {
      expect(command.writeConcern, commandName).toMatchObject({ w: 'majority' });
    }
  });
});
