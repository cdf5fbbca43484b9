import type { Db } from 'mongodb';

/** The store hooks of a library on a MongoDB database of its own: ping it, drop it. */
export function databaseHooks(db: Db): { ping(): Promise<void>; cleanup(): Promise<void> } {
  return {
    async ping() {
      await db.command({ ping: 1 });
    },
    async cleanup() {
      await db.dropDatabase();
    },
  };
}
