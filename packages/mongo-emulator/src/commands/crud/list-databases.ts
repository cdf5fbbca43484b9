import type { Document } from 'bson';
import { compileFilter } from '../../query/matcher.js';
import type { CommandHandler } from '../context.js';
import { boolOption, checkFields, documentOption } from './options.js';

const SIZE_PER_COLLECTION = 8192;

/** `listDatabases`: the databases that hold collections (filter, nameOnly). */
export const listDatabases: CommandHandler = (command, context) => {
  checkFields(command, 'listDatabases', ['filter', 'nameOnly', 'authorizedDatabases']);
  const filter = documentOption(command, 'filter', 'listDatabases');
  const nameOnly = boolOption(command, 'nameOnly', 'listDatabases') ?? false;
  const predicate = compileFilter(filter);
  const databases: Document[] = [];
  let totalSize = 0;
  for (const database of context.engine.listDatabases()) {
    const sizeOnDisk = database.list().length * SIZE_PER_COLLECTION;
    const entry: Document = { name: database.name, sizeOnDisk, empty: false };
    if (!predicate(entry)) continue;
    totalSize += sizeOnDisk;
    databases.push(nameOnly ? { name: database.name } : entry);
  }
  if (nameOnly) return { databases };
  return { databases, totalSize, totalSizeMb: Math.floor(totalSize / (1024 * 1024)) };
};
