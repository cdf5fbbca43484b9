import type { Document } from 'bson';
import { CommandError, ErrorCode } from '../../errors.js';
import { formatValue } from '../../query/format.js';
import { keyString } from '../../query/key-string.js';
import type { Collection } from '../../storage/collection.js';
import { normaliseIndexSpec, optionIsTrue } from '../../storage/index-spec.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { collectionName } from './namespace.js';
import { arrayField, checkFields } from './options.js';

/**
 * The options that make two specifications of one key pattern different indexes: `unique`,
 * `sparse` and `hidden` by truth (`unique: false` is no `unique`), the partial filter and the TTL.
 * `background` and `dropDups` change nothing.
 */
function optionsKey(spec: Document): string {
  return keyString([
    optionIsTrue(spec.unique),
    optionIsTrue(spec.sparse),
    optionIsTrue(spec.hidden),
    spec.partialFilterExpression ?? null,
    spec.expireAfterSeconds ?? null,
  ]);
}

/** Returns true when the spec already exists; throws MongoDB's conflicts (85, 86). */
function existing(collection: Collection, spec: Document): boolean {
  const key = keyString(spec.key);
  const partial = keyString(spec.partialFilterExpression ?? null);
  for (const index of collection.indexes) {
    const sameKey = keyString(index.spec.key) === key;
    const sameOptions = optionsKey(index.spec) === optionsKey(spec);
    if (index.name === spec.name) {
      if (sameKey && sameOptions) return true;
      if (!sameKey) {
        throw new CommandError(
          ErrorCode.IndexKeySpecsConflict,
          `An existing index has the same name as the requested index. When index names are not specified, they are auto generated and can cause conflicts. Please refer to our documentation. Requested index: ${formatValue(spec)}, existing index: ${formatValue(index.spec)}`,
        );
      }
      throw new CommandError(
        ErrorCode.IndexOptionsConflict,
        `An equivalent index already exists with the same name but different options. Requested index: ${formatValue(spec)}, existing index: ${formatValue(index.spec)}`,
      );
    }
    if (sameKey && keyString(index.spec.partialFilterExpression ?? null) === partial) {
      if (sameOptions || index.name === '_id_') {
        throw new CommandError(
          ErrorCode.IndexOptionsConflict,
          `Index already exists with a different name: ${index.name}`,
        );
      }
      throw new CommandError(
        ErrorCode.IndexOptionsConflict,
        `An existing index has the same key pattern but different options. Requested index: ${formatValue(spec)}, existing index: ${formatValue(index.spec)}`,
      );
    }
  }
  return false;
}

/**
 * Records the `createIndexes` change events of new indexes, as mongod logs them: one per index on
 * an empty collection, one for all of them when they were built over existing documents.
 */
export function recordIndexBuilds(
  context: CommandContext,
  coll: string,
  specs: readonly Document[],
  wasEmpty: boolean,
): void {
  if (specs.length === 0) return;
  const groups = wasEmpty ? specs.map((spec) => [spec]) : [specs];
  for (const group of groups) {
    context.engine.recordDefinitionChange({
      operationType: 'createIndexes',
      db: context.dbName,
      coll,
      operationDescription: { indexes: group.map((spec) => ({ ...spec })) },
    });
  }
}

/** `createIndexes`: unique, sparse, partial and TTL indexes; existing data is checked first. */
export const createIndexes: CommandHandler = (command, context) => {
  checkFields(command, 'createIndexes', ['indexes', 'commitQuorum', 'ignoreUnknownIndexOptions']);
  const name = collectionName(command, context.dbName);
  const raw = arrayField(command, 'indexes', 'createIndexes');
  if (raw.length === 0)
    throw new CommandError(ErrorCode.BadValue, 'Must specify at least one index to create');
  const specs = raw.map(normaliseIndexSpec);
  const { collection, created } = context.engine.ensureCollection(context.dbName, name);
  const before = collection.indexes.length;
  const fresh: Document[] = [];
  for (const spec of specs) {
    if (fresh.some((f) => f.name === spec.name)) continue;
    if (!existing(collection, spec)) fresh.push(spec);
  }
  const wasEmpty = collection.size === 0;
  for (const spec of fresh) collection.addIndex(spec);
  recordIndexBuilds(context, name, fresh, wasEmpty);
  const reply: Document = {
    numIndexesBefore: before,
    numIndexesAfter: collection.indexes.length,
    createdCollectionAutomatically: created,
  };
  if (fresh.length === 0) reply.note = 'all indexes already exist';
  return reply;
};
