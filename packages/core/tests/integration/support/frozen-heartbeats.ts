import type { Collection, CollectionOptions, Db, Document, UpdateResult } from 'mongodb';

/**
 * The database as a zombie instance sees it: the heartbeat that confirms the jobs it holds (the
 * `updateMany` filtered by `claimedBy`) never reaches the server and never returns — as for a
 * process stuck in a long pause or cut off by a partition — while every other command goes
 * through. Its handlers still run and its outcome writes still arrive, but its claims go stale,
 * so another instance takes its jobs over. Only `collection()` and `command()` are offered (all
 * Monque uses). When `thaw` aborts, the frozen heartbeats return, having changed nothing (their
 * jobs were taken over meanwhile), so that stopping the instance need not wait for them.
 */
export function withFrozenHeartbeats(db: Db, thaw?: AbortSignal): Db {
  const frozen = (): Promise<UpdateResult> =>
    new Promise((resolve) => {
      thaw?.addEventListener('abort', () =>
        resolve({
          acknowledged: true,
          matchedCount: 0,
          modifiedCount: 0,
          upsertedCount: 0,
          upsertedId: null,
        }),
      );
    });
  return {
    command: (command: Document, options?: Document) => db.command(command, options),
    collection(name: string, options?: CollectionOptions) {
      const real = db.collection(name, options);
      const zombie = Object.create(real) as Collection<Document>;
      zombie.updateMany = ((filter: Document, ...rest: unknown[]) =>
        'claimedBy' in filter
          ? frozen()
          : (real.updateMany as (...args: unknown[]) => unknown)(
              filter,
              ...rest,
            )) as Collection<Document>['updateMany'];
      return zombie;
    },
  } as unknown as Db;
}
