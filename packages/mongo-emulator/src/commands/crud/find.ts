import type { Document } from 'bson';
import { arraySource } from '../../cursors.js';
import { compileProjection } from '../../query/projection.js';
import { parseSort } from '../../query/sort.js';
import type { CommandHandler } from '../context.js';
import { checkHint } from './hint.js';
import { collectionName } from './namespace.js';
import {
  boolOption,
  checkCollation,
  checkFields,
  checkLet,
  documentOption,
  nonNegativeOption,
} from './options.js';

/** MongoDB's default first batch size for `find` and `aggregate`. */
export const DEFAULT_FIRST_BATCH = 101;

/** `find`: filter, sort, projection, skip, limit, batchSize, singleBatch, hint. */
export const find: CommandHandler = async (command, context) => {
  checkFields(
    command,
    'find',
    [
      'filter',
      'sort',
      'projection',
      'skip',
      'limit',
      'batchSize',
      'singleBatch',
      'hint',
      'collation',
      'let',
      'allowDiskUse',
      'noCursorTimeout',
      'allowPartialResults',
      'readOnce',
      'awaitData',
    ],
    ['min', 'max', 'returnKey', 'showRecordId', 'tailable', 'oplogReplay', 'ntoreturn'],
  );
  checkLet(command);
  checkCollation(command.collation);
  const name = collectionName(command, context.dbName);
  const filter = documentOption(command, 'filter', 'find');
  const sort = parseSort(documentOption(command, 'sort', 'find'));
  const projector = compileProjection(documentOption(command, 'projection', 'find'));
  const skip = nonNegativeOption(command, 'skip', 'find') ?? 0;
  const limit = nonNegativeOption(command, 'limit', 'find') ?? 0;
  const batchSize = nonNegativeOption(command, 'batchSize', 'find');
  const singleBatch = boolOption(command, 'singleBatch', 'find') ?? false;
  const collection = context.engine.collection(context.dbName, name);
  checkHint(command.hint, collection);
  let docs: Document[] = collection
    ? collection.find(filter, { sort, limit: limit > 0 ? skip + limit : undefined })
    : [];
  docs = docs.slice(skip, limit > 0 ? skip + limit : undefined);
  if (projector) docs = docs.map(projector);
  const firstBatch = Math.min(
    batchSize ?? DEFAULT_FIRST_BATCH,
    limit > 0 ? limit : Number.MAX_SAFE_INTEGER,
  );
  const cursor = await context.cursors.open(`${context.dbName}.${name}`, arraySource(docs), {
    batchSize: firstBatch,
    singleBatch: singleBatch || (limit > 0 && firstBatch >= limit),
    lsid: context.lsid,
  });
  return { cursor };
};
