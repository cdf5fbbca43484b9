import type { Db } from 'mongodb';
import { describe, expect, it, vi } from 'vitest';
import { cleanupTestDatabase } from '../../../src/testing/cleanup-test-database.js';

describe('cleanupTestDatabase', () => {
  it('drops the database', async () => {
    const dropDatabase = vi.fn(async () => true);
    await cleanupTestDatabase({ dropDatabase } as unknown as Db);
    expect(dropDatabase).toHaveBeenCalledOnce();
  });

  it('passes an error on', async () => {
    const failure = new Error('not authorized');
    const dropDatabase = vi.fn(async () => Promise.reject(failure));
    await expect(cleanupTestDatabase({ dropDatabase } as unknown as Db)).rejects.toBe(failure);
  });
});
