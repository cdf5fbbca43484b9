import type { Collection, Db, Document } from 'mongodb';

/** Decides what a call of a collection method does (call {@link passThrough} to let it through). */
export type Intercept = (
  collection: Collection<Document>,
  method: string,
  args: unknown[],
) => unknown;

/**
 * `db`, whose collections' methods all go through `intercept`: a test double for a network that
 * loses or delays the answers of chosen commands.
 */
export function interceptedDb(db: Db, intercept: Intercept): Db {
  return new Proxy(db, {
    get(target, property, receiver) {
      if (property === 'collection') {
        return (name: string, options?: Document) => {
          const real = target.collection(name, options);
          return new Proxy(real, {
            get(collection, key, inner) {
              const value = Reflect.get(collection, key, inner);
              if (typeof value !== 'function') return value;
              return (...args: unknown[]) => intercept(collection, String(key), args);
            },
          });
        };
      }
      const value = Reflect.get(target, property, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** Calls the collection method as if nothing intercepted it. */
export function passThrough(
  collection: Collection<Document>,
  method: string,
  args: unknown[],
): unknown {
  const real = collection[method as keyof Collection<Document>] as (...a: unknown[]) => unknown;
  return real.apply(collection, args);
}

/** Whether a call is the read-back of a claim round (a find on the round's `lockedAt`). */
export function isClaimReadBack(method: string, args: unknown[]): boolean {
  const filter = args[0] as Document | undefined;
  return method === 'find' && filter !== undefined && 'lockedAt' in filter;
}

/** Whether a call is the claiming `updateMany` of a batched claim round. */
export function isBatchClaim(method: string, args: unknown[]): boolean {
  const update = args[1] as Document | undefined;
  return method === 'updateMany' && update?.$set?.status === 'processing';
}

/**
 * Sends the claiming `updateMany` of a batched claim round after changing one of its candidates
 * (its `updatedAt`, as `schedule()` would), so the round does not get every candidate and reads
 * back what it claimed. The changed job stays pending and due.
 */
export async function claimMissingACandidate(
  collection: Collection<Document>,
  args: unknown[],
): Promise<unknown> {
  const filter = args[0] as Document;
  const [first] = filter._id.$in as unknown[];
  await collection.updateOne({ _id: first } as Document, { $set: { updatedAt: new Date(0) } });
  return passThrough(collection, 'updateMany', args);
}
