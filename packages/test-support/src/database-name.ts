import { randomBytes } from 'node:crypto';

/** MongoDB's limit for a database name (bytes). */
const MAX_DATABASE_NAME_LENGTH = 63;

/** A database name unique to this call: `<prefix>_<pid>_<random>`, within MongoDB's rules. */
export function uniqueDatabaseName(prefix: string): string {
  const safePrefix = prefix.replace(/[/\\. "$*<>:|?]/g, '_') || 'test';
  const suffix = `_${process.pid}_${randomBytes(6).toString('hex')}`;
  return safePrefix.slice(0, MAX_DATABASE_NAME_LENGTH - suffix.length) + suffix;
}
