import type { Document } from 'bson';
import { CommandError } from '../../errors.js';

/** A `writeErrors` entry for the statement at `index`, from what it threw. */
export function writeError(index: number, error: unknown): Document {
  if (!(error instanceof CommandError)) throw error;
  return { index, code: error.code, errmsg: error.message, ...error.extra };
}
