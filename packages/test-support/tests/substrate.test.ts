import { afterAll, describe, expect, it } from 'vitest';
import { uniqueDatabaseName } from '../src/database-name.js';
import { getTestServer, openTestDatabase, type TestDatabase } from '../src/index.js';
import { withOption } from '../src/substrate.js';

describe('helpers', () => {
  it('adds an option to a connection string once', () => {
    expect(withOption('mongodb://h:1', 'directConnection', 'true')).toBe(
      'mongodb://h:1/?directConnection=true',
    );
    expect(withOption('mongodb://h:1/?a=b', 'directConnection', 'true')).toBe(
      'mongodb://h:1/?a=b&directConnection=true',
    );
    expect(withOption('mongodb://h:1/?directConnection=false', 'directConnection', 'true')).toBe(
      'mongodb://h:1/?directConnection=false',
    );
  });

  it('makes unique, valid database names', () => {
    const first = uniqueDatabaseName('jobs.spec');
    expect(first).toMatch(/^jobs_spec_\d+_[0-9a-f]{12}$/);
    expect(uniqueDatabaseName('jobs.spec')).not.toBe(first);
    expect(uniqueDatabaseName('x'.repeat(100)).length).toBeLessThanOrEqual(63);
  });
});

describe('openTestDatabase', () => {
  const opened: TestDatabase[] = [];

  afterAll(async () => {
    for (const database of opened.splice(0)) await database.cleanup();
  });

  it('picks the server once per process', async () => {
    const [first, second] = await Promise.all([getTestServer(), getTestServer()]);
    expect(second).toBe(first);
    if (process.env.MONGODB_URI) expect(first.substrate).toBe('MONGODB_URI');
    expect(['MONGODB_URI', 'testcontainers', 'emulator']).toContain(first.substrate);
  });

  it('gives each caller its own database, dropped by cleanup', async () => {
    const one = await openTestDatabase('support');
    const two = await openTestDatabase('support');
    opened.push(two);
    expect(one.db.databaseName).not.toBe(two.db.databaseName);
    await one.db.collection('c').insertOne({ _id: 1 } as never);
    expect(await two.db.collection('c').countDocuments()).toBe(0);
    const name = one.db.databaseName;
    await one.cleanup();
    const { databases } = await two.client.db('admin').admin().listDatabases();
    expect(databases.map((database) => database.name)).not.toContain(name);
  });

  it('runs on a replica set, so change streams work', async () => {
    const database = await openTestDatabase('support_streams');
    opened.push(database);
    const hello = await database.db.admin().command({ hello: 1 });
    expect(hello.setName).toEqual(expect.any(String));
  });
});
