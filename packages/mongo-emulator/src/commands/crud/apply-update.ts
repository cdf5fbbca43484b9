import { type Document, ObjectId } from 'bson';
import type { LogicalClock } from '../../clock.js';
import { CommandError, ErrorCode } from '../../errors.js';
import { isPlainDocument } from '../../query/bson-types.js';
import { valuesEqual } from '../../query/compare.js';
import type { Variables } from '../../query/mingo-bridge.js';
import { applyPipelineUpdate } from '../../query/pipeline-update.js';
import {
  applyOperatorUpdate,
  applyReplacement,
  sameDocument,
  type UpdateKind,
  updateKind,
} from '../../query/update.js';
import { upsertSeed } from '../../query/upsert-seed.js';
import type { Collection, WriteOptions } from '../../storage/collection.js';

/** One parsed update statement (`update`'s `updates[i]` or a `findAndModify`). */
export interface UpdateSpec {
  filter: Document;
  update: Document | Document[];
  kind: UpdateKind;
  arrayFilters?: unknown;
  /** The command's `let` variables (for `$expr` and pipeline updates). */
  variables?: Variables;
}

/** Parses and validates the `u` of an update statement. */
export function parseUpdate(
  update: unknown,
  multi: boolean,
  arrayFilters: unknown,
): Pick<UpdateSpec, 'update' | 'kind'> {
  const kind = updateKind(update);
  if (multi && kind === 'replacement') {
    throw new CommandError(
      ErrorCode.FailedToParse,
      'multi update is not supported for replacement-style update',
    );
  }
  if (arrayFilters !== undefined && kind !== 'operators') {
    throw new CommandError(
      ErrorCode.FailedToParse,
      'arrayFilters may not be specified for pipeline-style updates',
    );
  }
  return { update: update as Document | Document[], kind };
}

function immutableIdCheck(before: Document, after: Document): void {
  if (
    before._id !== undefined &&
    (after._id === undefined || !valuesEqual(before._id, after._id))
  ) {
    throw new CommandError(
      ErrorCode.ImmutableField,
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  }
}

/** The new version of `doc` under `spec`. */
export function updatedDocument(
  doc: Document,
  spec: UpdateSpec,
  clock: LogicalClock,
  isInsert = false,
): Document {
  switch (spec.kind) {
    case 'operators':
      return applyOperatorUpdate(doc, spec.update as Document, {
        isInsert,
        arrayFilters: spec.arrayFilters,
        query: spec.filter,
        now: new Date(),
        // Like mongod's CurrentDateNode: each value takes a fresh tick of the cluster time, so it
        // is unique and precedes the write's own operation time.
        timestamp: () => clock.tick(),
      });
    case 'replacement':
      return applyReplacement(doc, spec.update as Document);
    case 'pipeline': {
      const after = applyPipelineUpdate(doc, spec.update as Document[], spec.variables);
      immutableIdCheck(doc, after);
      return after;
    }
  }
}

/** Applies an update to one stored document; returns the new version and whether it changed. */
export function updateOne(
  collection: Collection,
  doc: Document,
  spec: UpdateSpec,
  clock: LogicalClock,
  options: WriteOptions = {},
): { after: Document; modified: boolean } {
  const after = updatedDocument(doc, spec, clock);
  const modified = !sameDocument(doc, after);
  collection.replace(
    doc,
    after,
    spec.kind === 'operators' || spec.kind === 'pipeline' ? 'update' : 'replace',
    modified,
    options,
  );
  return { after: modified ? after : doc, modified };
}

/** `doc` with its `_id` first: its own, else the seed's, else a new ObjectId (`null` is an `_id`). */
function withIdFirst(doc: Document, seedId: unknown): Document {
  const id = doc._id !== undefined ? doc._id : seedId !== undefined ? seedId : new ObjectId();
  const { _id, ...rest } = doc;
  return { _id: id, ...rest };
}

/** Builds and inserts the document an upsert creates; returns it as stored. */
export function upsertOne(
  collection: Collection,
  spec: UpdateSpec,
  clock: LogicalClock,
  options: WriteOptions = {},
): Document {
  const seed = upsertSeed(spec.filter);
  let doc: Document;
  if (spec.kind === 'replacement') {
    const replacement = spec.update as Document;
    if (
      replacement._id !== undefined &&
      seed._id !== undefined &&
      !valuesEqual(replacement._id, seed._id)
    ) {
      throw new CommandError(
        ErrorCode.ImmutableField,
        "Performing an update on the path '_id' would modify the immutable field '_id'",
      );
    }
    doc = withIdFirst({ ...replacement }, seed._id);
  } else {
    const seeded =
      isPlainDocument(seed) && seed._id !== undefined ? withIdFirst(seed, undefined) : seed;
    doc = withIdFirst(updatedDocument(seeded, spec, clock, true), undefined);
  }
  return collection.insert(doc, options);
}
