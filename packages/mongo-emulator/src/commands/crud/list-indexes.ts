import { arraySource } from '../../cursors.js';
import { CommandError, ErrorCode } from '../../errors.js';
import type { CommandHandler } from '../context.js';
import { DEFAULT_FIRST_BATCH } from './find.js';
import { collectionName } from './namespace.js';
import { checkFields, documentOption, nonNegativeOption } from './options.js';

/** `listIndexes`: the index specifications of a collection, as a cursor. */
export const listIndexes: CommandHandler = async (command, context) => {
  checkFields(command, 'listIndexes', ['cursor', 'includeIndexBuildInfo', 'includeBuildUUIDs']);
  const name = collectionName(command, context.dbName);
  const collection = context.engine.collection(context.dbName, name);
  if (!collection) {
    throw new CommandError(
      ErrorCode.NamespaceNotFound,
      `ns does not exist: ${context.dbName}.${name}`,
    );
  }
  const cursorOptions = documentOption(command, 'cursor', 'listIndexes') ?? {};
  const batchSize = nonNegativeOption(cursorOptions, 'batchSize', 'listIndexes.cursor');
  const specs = collection.indexes.map((i) => ({ ...i.spec }));
  const cursor = await context.cursors.open(`${context.dbName}.${name}`, arraySource(specs), {
    batchSize: batchSize ?? DEFAULT_FIRST_BATCH,
    lsid: context.lsid,
  });
  return { cursor };
};
