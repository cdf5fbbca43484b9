import type { CommandHandler } from '../context.js';

/** CONTRACT STUB — the storage commands (find, insert, update, …), one file each, keyed by name. */
export const crudCommands: Record<string, CommandHandler> = {};
