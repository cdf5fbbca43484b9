import type { ChangeRecord } from '../storage/change-record.js';

/** What a change stream watches: one collection, one database, or the whole cluster. */
export type StreamScope =
  | { readonly level: 'collection'; readonly db: string; readonly coll: string }
  | { readonly level: 'database'; readonly db: string }
  | { readonly level: 'cluster' };

/** How a stream reacts to one committed write. */
export interface ScopeVerdict {
  /** Report the write as an event. */
  report: boolean;
  /** After it, report `invalidate` and end the stream. */
  invalidate: boolean;
}

const SKIP: ScopeVerdict = { report: false, invalidate: false };
const INTERNAL_DATABASES = new Set(['admin', 'config', 'local']);

function isSystemCollection(coll: string | undefined): boolean {
  return coll?.startsWith('system.') ?? false;
}

/** Decides, as MongoDB does, whether a stream of this scope sees a write and whether it ends it. */
export function classify(scope: StreamScope, record: ChangeRecord): ScopeVerdict {
  switch (scope.level) {
    case 'collection':
      if (record.db !== scope.db) return SKIP;
      // Its collections' drops came first (and ended the stream); only the invalidate is left.
      if (record.operationType === 'dropDatabase') return { report: false, invalidate: true };
      if (record.operationType === 'rename') {
        // The renamed collection's stream sees the rename; the target's stream only ends.
        if (record.coll === scope.coll) return { report: true, invalidate: true };
        if (record.to?.db === scope.db && record.to.coll === scope.coll) {
          return { report: false, invalidate: true };
        }
        return SKIP;
      }
      if (record.coll !== scope.coll) return SKIP;
      return { report: true, invalidate: record.operationType === 'drop' };
    case 'database':
      if (record.db !== scope.db || isSystemCollection(record.coll)) return SKIP;
      return { report: true, invalidate: record.operationType === 'dropDatabase' };
    case 'cluster':
      if (INTERNAL_DATABASES.has(record.db) || isSystemCollection(record.coll)) return SKIP;
      return { report: true, invalidate: false };
  }
}

/** The cursor namespace MongoDB gives a change stream of this scope. */
export function cursorNamespace(scope: StreamScope): string {
  switch (scope.level) {
    case 'collection':
      return `${scope.db}.${scope.coll}`;
    case 'database':
      return `${scope.db}.$cmd.aggregate`;
    case 'cluster':
      return 'admin.$cmd.aggregate';
  }
}
