import type { Document } from 'bson';
import { badValue, CommandError, ErrorCode, notSupported } from '../../errors.js';
import { type BsonValue, bsonTypeOf, isPlainDocument } from '../../query/bson-types.js';
import { evaluateLet, type Variables } from '../../query/mingo-bridge.js';
import { asNumber } from '../../query/numeric.js';

/** Fields any command may carry (generic arguments, session and transaction fields). */
const GENERIC = new Set([
  '$db',
  '$clusterTime',
  '$readPreference',
  'lsid',
  'txnNumber',
  'autocommit',
  'startTransaction',
  'writeConcern',
  'readConcern',
  'comment',
  'maxTimeMS',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
  '$client',
]);

/**
 * Rejects what a command does not know: a field MongoDB has but the emulator lacks answers
 * not-supported; a field MongoDB does not know answers 40415 as MongoDB does.
 */
export function checkFields(
  command: Document,
  name: string,
  known: readonly string[],
  unsupported: readonly string[] = [],
): void {
  const first = Object.keys(command)[0];
  for (const field of Object.keys(command)) {
    if (field === first || GENERIC.has(field) || known.includes(field)) continue;
    if (unsupported.includes(field)) throw notSupported(`${name} option '${field}'`);
    throw new CommandError(40415, `BSON field '${name}.${field}' is an unknown field.`, {
      codeName: 'Location40415',
    });
  }
}

/**
 * Accepts the simple collation (`{locale: 'simple'}`, MongoDB's binary comparison, the only one
 * the emulator has); any other collation answers not supported.
 */
export function checkCollation(value: BsonValue): void {
  if (value === undefined) return;
  if (!isPlainDocument(value)) throw typeError('collation', value, 'object');
  if (value.locale !== 'simple' || Object.keys(value).length !== 1) {
    throw notSupported("collation other than {locale: 'simple'}");
  }
}

function typeError(field: string, value: BsonValue, expected: string): CommandError {
  return new CommandError(
    ErrorCode.TypeMismatch,
    `BSON field '${field}' is the wrong type '${bsonTypeOf(value)}', expected type '${expected}'`,
  );
}

/** An optional numeric (integer) option. */
export function intOption(command: Document, field: string, name: string): number | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  const n = asNumber(value);
  if (n === undefined) throw typeError(`${name}.${field}`, value, 'long');
  return Math.trunc(n);
}

/** An optional non-negative integer option (`skip`, `limit`, `batchSize`). */
export function nonNegativeOption(
  command: Document,
  field: string,
  name: string,
): number | undefined {
  const n = intOption(command, field, name);
  if (n !== undefined && n < 0) {
    throw new CommandError(51024, `BSON field '${field}' value must be >= 0, actual value '${n}'`, {
      codeName: 'Location51024',
    });
  }
  return n;
}

/** An optional boolean option (numbers are accepted as MongoDB does). */
export function boolOption(command: Document, field: string, name: string): boolean | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'boolean') return value;
  const n = asNumber(value);
  if (n === undefined) throw typeError(`${name}.${field}`, value, 'bool');
  return n !== 0;
}

/** An optional document option. */
export function documentOption(
  command: Document,
  field: string,
  name: string,
): Document | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (!isPlainDocument(value)) throw typeError(`${name}.${field}`, value, 'object');
  return value;
}

/** Checks a user variable name as MongoDB does (16866, 16867, 16868). */
function checkVariableName(name: string): void {
  if (name === '') {
    throw new CommandError(16866, 'empty variable names are not allowed', {
      codeName: 'Location16866',
    });
  }
  const first = name.charCodeAt(0);
  if (!((first >= 97 && first <= 122) || first >= 0x80)) {
    throw new CommandError(
      16867,
      `'${name}' starts with an invalid character for a user variable name`,
      {
        codeName: 'Location16867',
      },
    );
  }
  for (const char of name.slice(1)) {
    if (!/[A-Za-z0-9_]/.test(char) && char.charCodeAt(0) < 0x80) {
      throw new CommandError(
        16868,
        `'${name}' contains an invalid character for a variable name: '${char}'`,
        { codeName: 'Location16868' },
      );
    }
  }
}

/**
 * The command's `let` variables (`$$name` in its expressions), each evaluated once, in order; or
 * undefined without `let`.
 */
export function parseLet(command: Document, name: string): Variables | undefined {
  const value = command.let;
  if (value === undefined) return undefined;
  if (!isPlainDocument(value)) throw typeError(`${name}.let`, value, 'object');
  for (const variable of Object.keys(value)) checkVariableName(variable);
  return evaluateLet(value);
}

/** A required array field. */
export function arrayField(command: Document, field: string, name: string): unknown[] {
  const value = command[field];
  if (value === undefined) {
    throw new CommandError(40414, `BSON field '${name}.${field}' is missing but a required field`, {
      codeName: 'Location40414',
    });
  }
  if (!Array.isArray(value)) throw typeError(`${name}.${field}`, value, 'array');
  return value;
}

/** Answers `BadValue` unless the value is a document. */
export function requireDocument(value: BsonValue, what: string): Document {
  if (!isPlainDocument(value)) throw badValue(`${what} must be an object`);
  return value;
}
