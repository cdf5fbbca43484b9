import type { CollectionOptions, Db, Document } from 'mongodb';

/** MongoDB's error code for `$changeStream` on a server that is not a replica set member. */
const CHANGE_STREAMS_UNSUPPORTED = 40573;

/** A change stream that fails at once, as on a standalone server. */
function unsupportedStream(): { tryNext(): Promise<never>; close(): Promise<void> } {
  const error = Object.assign(
    new Error('The $changeStream stage is only supported on replica sets (benchmark polling mode)'),
    { code: CHANGE_STREAMS_UNSUPPORTED },
  );
  return {
    tryNext: () => Promise.reject(error),
    close: () => Promise.resolve(),
  };
}

/**
 * The same database, except that its collections' `watch()` fails as on a standalone server, so
 * that a scheduler falls back to polling while every other command goes to the same server.
 */
export function withoutChangeStreams(db: Db): Db {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'collection') {
        return (name: string, options?: CollectionOptions) => {
          const collection = target.collection<Document>(name, options);
          Object.defineProperty(collection, 'watch', { value: unsupportedStream });
          return collection;
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
