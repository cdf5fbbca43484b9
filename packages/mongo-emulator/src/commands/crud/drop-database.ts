import type { CommandHandler } from '../context.js';
import { checkFields } from './options.js';

/** `dropDatabase`: drops every collection of the command's database. */
export const dropDatabase: CommandHandler = (command, context) => {
  checkFields(command, 'dropDatabase', []);
  context.engine.dropDatabase(context.dbName);
  return { dropped: context.dbName };
};
