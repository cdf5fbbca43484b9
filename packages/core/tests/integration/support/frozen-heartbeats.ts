import type { Collection, CollectionOptions, Db, Document } from 'mongodb';

/**
 * The database as a zombie instance sees it: the heartbeat that confirms the jobs it holds (the
 * `updateMany` filtered by `claimedBy`) never reaches the server and never returns — as for a
 * process stuck in a long pause or cut off by a partition — while every other command goes
 * through. Its handlers still run and its outcome writes still arrive, but its claims go stale,
 * so another instance takes its jobs over. Only `collection()` and `command()` are offered (all
 * Monque uses).
 */
export function withFrozenHeartbeats(db: Db): Db {
  return {
    command: (command: Document, options?: Document) => db.command(command, options),
    collection(name: string, options?: CollectionOptions) {
      const real = db.collection(name, options);
      const frozen = Object.create(real) as Collection<Document>;
      frozen.updateMany = ((filter: Document, ...rest: unknown[]) =>
        'claimedBy' in filter
          ? new Promise(() => {})
          : (real.updateMany as (...args: unknown[]) => unknown)(
              filter,
              ...rest,
            )) as Collection<Document>['updateMany'];
      return frozen;
    },
  } as unknown as Db;
}
