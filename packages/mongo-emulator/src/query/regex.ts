import { badValue, notSupported } from '../errors.js';
import type { BsonValue } from './bson-types.js';

/** Builds a JS RegExp from a `$regex`/`$options` pair or a held regex value. */
export function toRegExp(pattern: BsonValue, options?: BsonValue): RegExp {
  let source: string;
  let flags = '';
  if (pattern instanceof RegExp) {
    source = pattern.source;
    flags = pattern.flags;
  } else if (typeof pattern === 'string') {
    source = pattern;
  } else if (pattern !== null && typeof pattern === 'object' && 'pattern' in pattern) {
    const r = pattern as { pattern: string; options: string };
    source = r.pattern;
    flags = r.options;
  } else {
    throw badValue('$regex has to be a string');
  }
  if (options !== undefined) {
    if (typeof options !== 'string') throw badValue('$options has to be a string');
    flags += options;
  }
  let jsFlags = '';
  for (const f of new Set(flags)) {
    if (f === 'i' || f === 'm' || f === 's' || f === 'u') jsFlags += f;
    else if (f === 'g' || f === 'y' || f === 'd') continue;
    else if (f === 'x' || f === 'l') throw notSupported(`regex option '${f}'`);
    else throw badValue(`invalid flag in regex options: ${f}`);
  }
  try {
    return new RegExp(source, jsFlags);
  } catch (error) {
    throw badValue(`Regular expression is invalid: ${(error as Error).message}`);
  }
}

/** True for a held regex value (JS RegExp or bson BSONRegExp). */
export function isRegexValue(value: BsonValue): boolean {
  if (value instanceof RegExp) return true;
  return (
    value !== null &&
    typeof value === 'object' &&
    (value as { _bsontype?: unknown })._bsontype === 'BSONRegExp'
  );
}
