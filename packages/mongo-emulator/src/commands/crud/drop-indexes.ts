import { CommandError, ErrorCode } from '../../errors.js';
import { isPlainDocument } from '../../query/bson-types.js';
import { formatValue } from '../../query/format.js';
import { keyString } from '../../query/key-string.js';
import type { Collection } from '../../storage/collection.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { collectionName } from './namespace.js';
import { checkFields } from './options.js';

/** Removes an index, recording its `dropIndexes` change event. */
function dropIndex(context: CommandContext, collection: Collection, name: string): void {
  const spec = collection.indexes.find((index) => index.name === name)?.spec;
  collection.removeIndex(name);
  if (spec === undefined) return;
  context.engine.recordDefinitionChange({
    operationType: 'dropIndexes',
    db: context.dbName,
    coll: collection.name,
    operationDescription: { indexes: [{ ...spec }] },
  });
}

/** `dropIndexes`: by name, by key pattern, `'*'` (all but `_id_`) or an array of names. */
export const dropIndexes: CommandHandler = (command, context) => {
  checkFields(command, 'dropIndexes', ['index']);
  const name = collectionName(command, context.dbName);
  const collection = context.engine.collection(context.dbName, name);
  if (!collection) {
    throw new CommandError(ErrorCode.NamespaceNotFound, `ns not found ${context.dbName}.${name}`);
  }
  const nIndexesWas = collection.indexes.length;
  const target = command.index;
  let names: string[];
  if (target === '*') {
    names = collection.indexes.slice(1).map((i) => i.name);
    for (const n of names) dropIndex(context, collection, n);
    return { nIndexesWas, msg: 'non-_id indexes dropped for collection' };
  }
  if (typeof target === 'string') names = [target];
  else if (Array.isArray(target) && target.every((t) => typeof t === 'string'))
    names = target as string[];
  else if (isPlainDocument(target)) {
    const found = collection.indexes.filter((i) => keyString(i.spec.key) === keyString(target));
    if (found.length === 0) {
      throw new CommandError(
        ErrorCode.IndexNotFound,
        `can't find index with key: ${formatValue(target)}`,
      );
    }
    if (found.length > 1) {
      throw new CommandError(
        ErrorCode.AmbiguousIndexKeyPattern,
        `${found.length} indexes found for key: ${formatValue(target)}, identify by name instead. Conflicting indexes: ${found.map((f) => formatValue(f.spec)).join(', ')}`,
      );
    }
    names = [(found[0] as { name: string }).name];
  } else {
    throw new CommandError(
      ErrorCode.TypeMismatch,
      "BSON field 'dropIndexes.index' is the wrong type, expected types '[string, object, array]'",
    );
  }
  for (const n of names) {
    if (n === '_id_') throw new CommandError(ErrorCode.InvalidOptions, 'cannot drop _id index');
    if (!collection.indexes.some((i) => i.name === n)) {
      throw new CommandError(ErrorCode.IndexNotFound, `index not found with name [${n}]`);
    }
  }
  for (const n of names) dropIndex(context, collection, n);
  return { nIndexesWas };
};
