import type { Document } from 'bson';
import { badValue, CommandError, ErrorCode, notSupported, typeMismatch } from '../errors.js';
import { bsonTypeOf, isPlainDocument } from '../query/bson-types.js';
import { formatValue } from '../query/format.js';
import { asNumber } from '../query/numeric.js';
import { isOperatorObject } from '../query/operator-object.js';

/** Code 67: an index specification that cannot be built. */
export const CANNOT_CREATE_INDEX = 67;
/** Code 197: an unknown field in an index specification. */
export const INVALID_INDEX_SPEC_OPTION = 197;

const ACCEPTED_OPTIONS = new Set([
  'v',
  'key',
  'name',
  'unique',
  'sparse',
  'partialFilterExpression',
  'expireAfterSeconds',
  'background',
  'dropDups',
  'hidden',
  'ns',
]);
/** Options MongoDB keeps in the catalogue as given, when a number or a boolean. */
const BOOLEAN_OPTIONS = new Set(['unique', 'sparse', 'background', 'dropDups']);
const UNSUPPORTED_OPTIONS = new Set([
  'collation',
  'weights',
  'default_language',
  'language_override',
  'textIndexVersion',
  '2dsphereIndexVersion',
  'bits',
  'min',
  'max',
  'bucketSize',
  'wildcardProjection',
  'storageEngine',
  'prepareUnique',
  'clustered',
]);
const PARTIAL_OPERATORS = new Set([
  '$eq',
  '$exists',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$type',
  '$in',
  '$and',
  '$or',
]);

function cannotCreate(message: string): CommandError {
  return new CommandError(CANNOT_CREATE_INDEX, message, { codeName: 'CannotCreateIndex' });
}

function checkPartial(expression: Document, depth: number): void {
  for (const [key, value] of Object.entries(expression)) {
    if (key.startsWith('$')) {
      if (key !== '$and' && key !== '$or') {
        throw cannotCreate(
          `Error in specification :: caused by :: Expression not supported in partial index: ${formatValue({ [key]: value })}`,
        );
      }
      if (!Array.isArray(value)) throw badValue(`${key} must be an array`);
      for (const clause of value) if (isPlainDocument(clause)) checkPartial(clause, depth + 1);
      continue;
    }
    if (isOperatorObject(value)) {
      for (const [op, operand] of Object.entries(value)) {
        if (!PARTIAL_OPERATORS.has(op) || (op === '$exists' && operand === false)) {
          throw cannotCreate(
            `Error in specification :: caused by :: Expression not supported in partial index: ${formatValue({ [key]: { [op]: operand } })}`,
          );
        }
      }
    }
  }
}

/**
 * Validates one `createIndexes` specification and returns it normalised as `listIndexes` shows it
 * (`{v: 2, key, name, …options}`).
 */
export function normaliseIndexSpec(raw: unknown): Document {
  if (!isPlainDocument(raw))
    throw new CommandError(ErrorCode.TypeMismatch, 'Index specification must be an object');
  const key = raw.key;
  if (!isPlainDocument(key)) {
    throw new CommandError(
      ErrorCode.FailedToParse,
      "The 'key' field is a required property of an index specification",
    );
  }
  const fields = Object.entries(key);
  if (fields.length === 0) throw cannotCreate('Index keys cannot be empty.');
  for (const [field, direction] of fields) {
    if (typeof direction === 'string') throw notSupported(`index type '${direction}'`);
    const d = asNumber(direction);
    if (d === undefined || d === 0 || Number.isNaN(d)) {
      throw cannotCreate(
        `Error in specification ${formatValue(raw)} :: caused by :: Values in the index key pattern can only be positive or negative numbers, or strings`,
      );
    }
    if (field === '' || field.startsWith('$') || field.split('.').some((p) => p === '')) {
      throw cannotCreate(
        `Error in specification ${formatValue(raw)} :: caused by :: Index key contains an illegal field name`,
      );
    }
  }
  const name = raw.name;
  if (typeof name !== 'string') {
    throw new CommandError(
      ErrorCode.FailedToParse,
      `Error in specification ${formatValue(raw)} :: caused by :: The 'name' field is a required property of an index specification`,
    );
  }
  if (name === '') throw cannotCreate('The index name cannot be empty');
  for (const option of Object.keys(raw)) {
    if (UNSUPPORTED_OPTIONS.has(option)) {
      if (
        option === 'collation' &&
        isPlainDocument(raw.collation) &&
        raw.collation.locale === 'simple'
      )
        continue;
      throw notSupported(`index option '${option}'`);
    }
    if (!ACCEPTED_OPTIONS.has(option)) {
      throw new CommandError(
        INVALID_INDEX_SPEC_OPTION,
        `The field '${option}' is not valid for an index specification. Specification: ${formatValue(raw)}`,
        { codeName: 'InvalidIndexSpecificationOption' },
      );
    }
  }
  const spec: Document = { v: 2, key, name };
  for (const [option, value] of Object.entries(raw)) {
    // `ns` is dropped since MongoDB 4.2; a simple collation is no collation.
    if (option === 'v' || option === 'key' || option === 'name' || option === 'ns') continue;
    if (option === 'collation') continue;
    if (option === 'partialFilterExpression') {
      if (!isPlainDocument(value)) {
        throw typeMismatch(
          `The field 'partialFilterExpression' must be an object, but got ${bsonTypeOf(value)}`,
        );
      }
      checkPartial(value, 0);
    }
    if (option === 'expireAfterSeconds') {
      const seconds = asNumber(value);
      if (seconds === undefined || seconds < 0 || !Number.isInteger(seconds)) {
        throw cannotCreate(
          `TTL index 'expireAfterSeconds' option must be a non-negative integer: ${formatValue(value)}`,
        );
      }
      if (fields.length > 1) throw cannotCreate('TTL index must be a single-field index');
    }
    if (
      BOOLEAN_OPTIONS.has(option) &&
      typeof value !== 'boolean' &&
      asNumber(value) === undefined
    ) {
      throw typeMismatch(
        `The field '${option} has value ${option}: ${formatValue(value)}, which is not convertible to bool`,
      );
    }
    // MongoDB's own message names the wrong field here.
    if (option === 'hidden' && typeof value !== 'boolean') {
      throw typeMismatch(`The field 'name' must be a bool, but got ${bsonTypeOf(value)}`);
    }
    spec[option] = value;
  }
  if (
    name === '_id_' ||
    (fields.length === 1 && fields[0]?.[0] === '_id' && asNumber(fields[0][1]) === 1)
  ) {
    if (spec.hidden !== undefined) throw badValue("can't hide _id index");
    if (
      spec.unique !== undefined ||
      spec.sparse !== undefined ||
      spec.partialFilterExpression !== undefined
    ) {
      throw new CommandError(
        INVALID_INDEX_SPEC_OPTION,
        `The field '${spec.unique !== undefined ? 'unique' : spec.sparse !== undefined ? 'sparse' : 'partialFilterExpression'}' is not valid for an _id index specification. Specification: ${formatValue(raw)}`,
        { codeName: 'InvalidIndexSpecificationOption' },
      );
    }
  }
  return spec;
}

/** An index option's truth as MongoDB reads it (`unique: 1` is true, `sparse: false` false). */
export function optionIsTrue(value: unknown): boolean {
  if (value === undefined || value === null || value === false) return false;
  if (value === true) return true;
  const n = asNumber(value);
  return n !== undefined && n !== 0;
}
