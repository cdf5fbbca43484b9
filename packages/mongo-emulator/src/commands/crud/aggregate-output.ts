import { randomBytes } from 'node:crypto';
import { type Document, ObjectId } from 'bson';
import { badValue, CommandError, ErrorCode, notSupported } from '../../errors.js';
import { type BsonValue, isPlainDocument } from '../../query/bson-types.js';
import { cloneValue } from '../../query/clone.js';
import { valuesEqual } from '../../query/compare.js';
import { getField, setField } from '../../query/fields.js';
import { evaluateExpression, type Variables } from '../../query/mingo-bridge.js';
import { getPath } from '../../query/path.js';
import { applyPipelineUpdate } from '../../query/pipeline-update.js';
import { sameDocument } from '../../query/update.js';
import type { Collection } from '../../storage/collection.js';
import type { CommandContext } from '../context.js';
import { recordIndexBuilds } from './create-indexes.js';

/**
 * The write stages of an aggregation, `$out` and `$merge`: they must be last, write into a
 * collection of the same database, and the aggregation then answers an empty cursor.
 */

/** Names of the stages that write the pipeline's output. */
export const OUTPUT_STAGES: ReadonlySet<string> = new Set(['$out', '$merge']);

/** The target of `$out`/`$merge`: a collection name, or `{db, coll}` of this database. */
function targetOf(stage: string, value: BsonValue, context: CommandContext): string {
  if (typeof value === 'string' && value !== '') return value;
  if (isPlainDocument(value) && typeof value.coll === 'string') {
    for (const key of Object.keys(value)) {
      if (key !== 'db' && key !== 'coll') throw notSupported(`${stage} option '${key}'`);
    }
    if (value.db !== undefined && value.db !== context.dbName) {
      throw notSupported(`${stage} into another database`);
    }
    return value.coll;
  }
  throw new CommandError(ErrorCode.FailedToParse, `${stage} requires a target collection name`);
}

function checkTarget(stage: string, name: string): void {
  if (name.startsWith('system.') || name.includes('$')) {
    throw new CommandError(
      ErrorCode.InvalidNamespace,
      `Invalid ${stage} target namespace: ${name}`,
    );
  }
}

/**
 * `$out`: replaces the target's documents by the output, keeping its indexes and options. The
 * output is written to a temporary collection that is then renamed over the target, as mongod does
 * (a stream on the target ends with `invalidate`); a failure (a duplicate `_id`, a document the
 * target's validator refuses) leaves the target as it was.
 */
export function runOut(
  spec: BsonValue,
  docs: readonly Document[],
  context: CommandContext,
  bypassDocumentValidation: boolean,
): void {
  const target = targetOf('$out', spec, context);
  checkTarget('$out', target);
  const { engine, dbName } = context;
  const existing = engine.collection(dbName, target);
  const temp = `tmp.agg_out.${randomBytes(8).toString('hex')}`;
  const staging = engine.createCollection(dbName, temp, existing?.options ?? {});
  try {
    const specs = (existing?.indexes.slice(1) ?? []).map((index) => ({ ...index.spec }));
    for (const spec of specs) staging.addIndex(spec);
    recordIndexBuilds(context, temp, specs, true);
    for (const doc of docs) staging.insert(doc, { bypassDocumentValidation });
  } catch (error) {
    engine.dropCollection(dbName, temp);
    throw error;
  }
  engine.renameCollection(dbName, temp, target);
}

type WhenMatched = 'replace' | 'keepExisting' | 'merge' | 'fail' | Document[];
type WhenNotMatched = 'insert' | 'discard' | 'fail';

interface MergeSpec {
  into: string;
  on: string[];
  whenMatched: WhenMatched;
  whenNotMatched: WhenNotMatched;
  variables: Document | undefined;
}

const WHEN_MATCHED = ['replace', 'keepExisting', 'merge', 'fail'];
const WHEN_NOT_MATCHED = ['insert', 'discard', 'fail'];

function parseMerge(spec: BsonValue, context: CommandContext): MergeSpec {
  if (typeof spec === 'string') {
    return {
      into: spec,
      on: ['_id'],
      whenMatched: 'merge',
      whenNotMatched: 'insert',
      variables: undefined,
    };
  }
  if (!isPlainDocument(spec)) throw badValue('$merge requires a string or object argument');
  for (const key of Object.keys(spec)) {
    if (!['into', 'on', 'whenMatched', 'whenNotMatched', 'let'].includes(key)) {
      throw new CommandError(40415, `BSON field '$merge.${key}' is an unknown field.`, {
        codeName: 'Location40415',
      });
    }
  }
  const into = targetOf('$merge', spec.into, context);
  const on =
    spec.on === undefined
      ? ['_id']
      : typeof spec.on === 'string'
        ? [spec.on]
        : Array.isArray(spec.on) &&
            spec.on.length > 0 &&
            spec.on.every((f) => typeof f === 'string')
          ? (spec.on as string[])
          : undefined;
  if (on === undefined) {
    throw badValue("$merge 'on' must be a field name or a non-empty array of field names");
  }
  const whenMatched = spec.whenMatched ?? 'merge';
  if (!(Array.isArray(whenMatched) || WHEN_MATCHED.includes(whenMatched as string))) {
    throw badValue(
      `Enumeration value '${String(whenMatched)}' for field 'whenMatched' is not a valid value.`,
    );
  }
  const whenNotMatched = spec.whenNotMatched ?? 'insert';
  if (!WHEN_NOT_MATCHED.includes(whenNotMatched as string)) {
    throw badValue(
      `Enumeration value '${String(whenNotMatched)}' for field 'whenNotMatched' is not a valid value.`,
    );
  }
  if (spec.let !== undefined && !Array.isArray(whenMatched)) {
    throw notSupported("$merge 'let' without a whenMatched pipeline");
  }
  if (spec.let !== undefined && !isPlainDocument(spec.let))
    throw badValue("'let' must be an object");
  return {
    into,
    on,
    whenMatched: whenMatched as WhenMatched,
    whenNotMatched: whenNotMatched as WhenNotMatched,
    variables: spec.let as Document | undefined,
  };
}

/** True when a unique index of the target has exactly the `on` fields (any order). */
function hasUniqueIndexOn(collection: Collection, on: readonly string[]): boolean {
  return collection.indexes.some(
    (index) =>
      index.unique &&
      index.partialFilter === undefined &&
      index.fields.length === on.length &&
      on.every((field) => index.fields.includes(field)),
  );
}

/** The target documents matching an output document on the `on` fields. */
function matchFor(
  collection: Collection,
  doc: Document,
  on: readonly string[],
): Document | undefined {
  const filter: Document = {};
  for (const field of on) {
    const value = getPath(doc, field);
    if (value === undefined || value === null || Array.isArray(value)) {
      throw new CommandError(
        51132,
        "$merge write error: 'on' field cannot be missing, null, undefined or an array",
        { codeName: 'Location51132' },
      );
    }
    setField(filter, field, { $eq: value });
  }
  return collection.find(filter, { limit: 1 })[0];
}

/**
 * `$merge`: writes each output document into the target, matched on the `on` fields (`_id` by
 * default, otherwise fields a unique index of the target covers): `whenMatched` `merge`
 * (default), `replace`, `keepExisting`, `fail` or an update pipeline (`$$new` is the output
 * document), `whenNotMatched` `insert` (default), `discard` or `fail`.
 */
export function runMerge(
  spec: BsonValue,
  docs: readonly Document[],
  context: CommandContext,
  variables: Variables | undefined,
  bypassDocumentValidation: boolean,
): void {
  const merge = parseMerge(spec, context);
  checkTarget('$merge', merge.into);
  const { engine, dbName } = context;
  const existing = engine.collection(dbName, merge.into);
  const onId = merge.on.length === 1 && merge.on[0] === '_id';
  if (!onId && !(existing && hasUniqueIndexOn(existing, merge.on))) {
    throw new CommandError(51183, 'Cannot find index to verify that join fields will be unique', {
      codeName: 'Location51183',
    });
  }
  const target = existing ?? engine.ensureCollection(dbName, merge.into).collection;
  const options = { bypassDocumentValidation };
  const withId = (doc: Document): Document =>
    doc._id === undefined ? { _id: new ObjectId(), ...doc } : doc;
  for (const output of docs) {
    // A document without `_id` gets one, as mongod gives it (before matching when on `_id`).
    const doc = merge.on.includes('_id') ? withId(output) : output;
    const matched = matchFor(target, doc, merge.on);
    if (matched === undefined) {
      if (merge.whenNotMatched === 'discard') continue;
      if (merge.whenNotMatched === 'fail') {
        throw new CommandError(
          13113,
          '$merge could not find a matching document in the target collection for at least one document in the source collection',
          { codeName: 'MergeStageNoMatchingDocument' },
        );
      }
      target.insert(withId(doc), options);
      continue;
    }
    if (merge.whenMatched === 'fail') {
      // As mongod: an insert, refused by the unique index on the 'on' fields.
      target.insert(withId(doc), options);
      continue;
    }
    const after = mergedDocument(matched, doc, merge, variables);
    if (after === undefined) continue;
    if (after._id !== undefined && !valuesEqual(after._id, matched._id)) {
      throw new CommandError(
        ErrorCode.ImmutableField,
        "$merge failed to update the matching document, did you attempt to modify the _id or the shard key? :: caused by :: Performing an update on the path '_id' would modify the immutable field '_id'",
      );
    }
    const changed = !sameDocument(matched, after);
    const kind = merge.whenMatched === 'replace' ? 'replace' : 'update';
    target.replace(matched, after, kind, changed, options);
  }
}

/** The new version of a matched target document, or undefined to keep it. */
function mergedDocument(
  matched: Document,
  output: Document,
  merge: MergeSpec,
  variables: Variables | undefined,
): Document | undefined {
  switch (merge.whenMatched) {
    case 'keepExisting':
      return undefined;
    case 'fail':
      return undefined;
    case 'replace': {
      const replaced: Document = { _id: matched._id };
      for (const [key, value] of Object.entries(output)) {
        if (key !== '_id') setField(replaced, key, cloneValue(value));
      }
      return replaced;
    }
    case 'merge': {
      const merged = cloneValue(matched);
      for (const [key, value] of Object.entries(output)) setField(merged, key, cloneValue(value));
      return merged;
    }
    default: {
      // `let` of $merge: expressions of the output document (`new` is the whole document).
      const bound: Record<string, unknown> = { ...(variables ?? {}) };
      for (const [name, expression] of Object.entries(merge.variables ?? { new: '$$ROOT' })) {
        setField(bound, name, evaluateExpression(expression, output, variables));
      }
      const updated = applyPipelineUpdate(matched, merge.whenMatched, bound);
      return getField(updated, '_id') === undefined ? { _id: matched._id, ...updated } : updated;
    }
  }
}
