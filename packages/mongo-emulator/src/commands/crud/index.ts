import type { CommandHandler } from '../context.js';
import { aggregate } from './aggregate.js';
import { collMod } from './coll-mod.js';
import { count } from './count.js';
import { create } from './create.js';
import { createIndexes } from './create-indexes.js';
import { deleteCommand } from './delete.js';
import { distinct } from './distinct.js';
import { drop } from './drop.js';
import { dropDatabase } from './drop-database.js';
import { dropIndexes } from './drop-indexes.js';
import { explain } from './explain.js';
import { find } from './find.js';
import { findAndModify } from './find-and-modify.js';
import { insert } from './insert.js';
import { listCollections } from './list-collections.js';
import { listDatabases } from './list-databases.js';
import { listIndexes } from './list-indexes.js';
import { renameCollection } from './rename-collection.js';
import { update } from './update.js';

/** The storage commands (find, insert, update, …), one file each, keyed by command name. */
export const crudCommands: Record<string, CommandHandler> = {
  aggregate,
  collMod,
  count,
  create,
  createIndexes,
  delete: deleteCommand,
  distinct,
  drop,
  dropDatabase,
  dropIndexes,
  explain,
  find,
  findAndModify,
  insert,
  listCollections,
  listDatabases,
  listIndexes,
  renameCollection,
  update,
};
