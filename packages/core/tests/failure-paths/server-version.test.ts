import type { Db, Document } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { useSchedulerHarness } from '../setup/scheduler-harness.js';

/** `db`, except that `buildInfo` reports `version` (a server of another version, as a double). */
function reportingVersion(db: Db, version: string): { db: Db; buildInfoCalls: () => number } {
  let calls = 0;
  const proxy = new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'command') {
        return (command: Document, options?: Document) => {
          if ('buildInfo' in command || 'buildinfo' in command) {
            calls += 1;
            return Promise.resolve({
              version,
              versionArray: version.split('.').map(Number),
              ok: 1,
            });
          }
          return target.command(command, options);
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: proxy, buildInfoCalls: () => calls };
}

/** The partial unique index needs MongoDB 6.0+: an older server is refused with one clear error. */
describe('the MongoDB version floor', () => {
  const harness = useSchedulerHarness('server_version');

  it('initialize() fails on MongoDB 5.0 naming the found and the required version', async () => {
    const { db } = reportingVersion(harness.db, '5.0.26');
    const collectionName = harness.collectionName();
    const monque = harness.create({ collectionName }, db);

    const error = await monque.initialize().catch((caught: unknown) => caught);

    expect((error as Error).name).toBe('UnsupportedServerVersionError');
    expect(error).toMatchObject({ foundVersion: '5.0.26', requiredVersion: '6.0' });
    expect((error as Error).message).toBe(
      'MongoDB 5.0.26 is not supported: Monque needs MongoDB 6.0 or newer (its unique-key ' +
        'index is a partial index whose filter uses $in).',
    );
    // Refused before anything was created.
    const collections = await harness.db.listCollections({ name: collectionName }).toArray();
    expect(collections).toEqual([]);
    await expect(monque.start()).rejects.toMatchObject({ name: 'UnsupportedServerVersionError' });
    await expect(monque.enqueue('a', null)).rejects.toMatchObject({
      name: 'UnsupportedServerVersionError',
    });
  });

  it('accepts MongoDB 6.0 and asks only once', async () => {
    const { db, buildInfoCalls } = reportingVersion(harness.db, '6.0.0');
    const monque = harness.create({ collectionName: harness.collectionName() }, db);
    await monque.initialize();
    await monque.enqueue('a', null);
    expect(buildInfoCalls()).toBe(1);
  });
});
