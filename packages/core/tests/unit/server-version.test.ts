import type { Db } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { MonqueError, UnsupportedServerVersionError } from '../../src/errors.js';
import { assertServerVersion } from '../../src/server-version.js';

function answering(version: unknown): Db {
  return { command: async () => ({ version, ok: 1 }) } as unknown as Db;
}

describe('assertServerVersion', () => {
  it.each(['6.0.0', '6.0.19', '6.3.1', '7.0.12', '8.0.0-rc1', '10.0.1'])(
    'accepts %s',
    async (v) => {
      await expect(assertServerVersion(answering(v))).resolves.toBeUndefined();
    },
  );

  it.each(['5.0.26', '4.4.0', '3.6.23', '5.9.9'])('refuses %s', async (version) => {
    const error = await assertServerVersion(answering(version)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UnsupportedServerVersionError);
    expect(error).toMatchObject({ foundVersion: version, requiredVersion: '6.0' });
  });

  it.each([undefined, 7, 'seven'])('refuses an unreadable version (%s)', async (version) => {
    const error = await assertServerVersion(answering(version)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(MonqueError);
    expect((error as Error).message).toMatch(/^could not read the MongoDB version: buildInfo/);
  });
});
