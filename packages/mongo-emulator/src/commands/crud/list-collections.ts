import type { Document } from 'bson';
import { arraySource } from '../../cursors.js';
import { compileFilter } from '../../query/matcher.js';
import { collectionUuid } from '../../storage/collection-uuid.js';
import type { CommandHandler } from '../context.js';
import { DEFAULT_FIRST_BATCH } from './find.js';
import { boolOption, checkFields, documentOption, nonNegativeOption } from './options.js';

/** `listCollections`: filter, nameOnly, authorizedCollections; answers a cursor. */
export const listCollections: CommandHandler = async (command, context) => {
  checkFields(command, 'listCollections', [
    'filter',
    'nameOnly',
    'authorizedCollections',
    'cursor',
  ]);
  const filter = documentOption(command, 'filter', 'listCollections');
  const nameOnly = boolOption(command, 'nameOnly', 'listCollections') ?? false;
  const cursorOptions = documentOption(command, 'cursor', 'listCollections') ?? {};
  const batchSize = nonNegativeOption(cursorOptions, 'batchSize', 'listCollections.cursor');
  const predicate = compileFilter(filter);
  const database = context.engine.database(context.dbName);
  const entries: Document[] = [];
  for (const collection of database?.list() ?? []) {
    const full: Document = {
      name: collection.name,
      type: 'collection',
      options: collection.options,
      info: { readOnly: false, uuid: collectionUuid(collection) },
      idIndex: { v: 2, key: { _id: 1 }, name: '_id_' },
    };
    if (!predicate(full)) continue;
    entries.push(nameOnly ? { name: collection.name, type: 'collection' } : full);
  }
  const cursor = await context.cursors.open(
    `${context.dbName}.$cmd.listCollections`,
    arraySource(entries),
    {
      batchSize: batchSize ?? DEFAULT_FIRST_BATCH,
      lsid: context.lsid,
    },
  );
  return { cursor };
};
