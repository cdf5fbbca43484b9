import type { Db } from 'mongodb';

/**
 * Drops a test database and everything in it.
 *
 * @param db - The database to drop.
 *
 * @example
 * ```ts
 * afterEach(async () => {
 *   await cleanupTestDatabase(db);
 * });
 * ```
 */
export async function cleanupTestDatabase(db: Db): Promise<void> {
  await db.dropDatabase();
}
