import type { CommandHandler } from '../context.js';
import { checkHint } from './hint.js';
import { collectionName } from './namespace.js';
import {
  checkCollation,
  checkFields,
  documentOption,
  intOption,
  nonNegativeOption,
} from './options.js';

/** `count` (`estimatedDocumentCount` and legacy counts): query, skip, limit. */
export const count: CommandHandler = (command, context) => {
  checkFields(command, 'count', ['query', 'skip', 'limit', 'hint', 'collation', 'fields']);
  checkCollation(command.collation);
  const name = collectionName(command, context.dbName);
  const query = documentOption(command, 'query', 'count');
  const skip = nonNegativeOption(command, 'skip', 'count') ?? 0;
  const limit = Math.abs(intOption(command, 'limit', 'count') ?? 0);
  const collection = context.engine.collection(context.dbName, name);
  checkHint(command.hint, collection);
  if (!collection) return { n: 0 };
  let n = collection.count(query);
  n = Math.max(0, n - skip);
  if (limit > 0) n = Math.min(n, limit);
  return { n };
};
