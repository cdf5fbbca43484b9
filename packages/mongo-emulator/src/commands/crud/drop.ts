import type { CommandHandler } from '../context.js';
import { collectionName } from './namespace.js';
import { checkFields } from './options.js';

/** `drop`: drops a collection; a missing collection succeeds, as in MongoDB 7. */
export const drop: CommandHandler = (command, context) => {
  checkFields(command, 'drop', []);
  const name = collectionName(command, context.dbName);
  const dropped = context.engine.dropCollection(context.dbName, name);
  if (!dropped) return {};
  return { nIndexesWas: dropped.indexes.length, ns: `${context.dbName}.${name}` };
};
