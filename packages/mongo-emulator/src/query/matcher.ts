import type { Document } from 'bson';
import { badValue, notSupported } from '../errors.js';
import { bitTest } from './bit-test.js';
import {
  BSON_TYPE_NUMBERS,
  type BsonTypeName,
  type BsonValue,
  bsonTypeOf,
  canonicalTypeRank,
  isNumericType,
  isPlainDocument,
} from './bson-types.js';
import { compareValues, valuesEqual } from './compare.js';
import { compileJsonSchema } from './json-schema.js';
import { compileMingoExpr, type Variables } from './mingo-bridge.js';
import { asNumber } from './numeric.js';
import { isOperatorObject } from './operator-object.js';
import { pathValues } from './path.js';
import { isRegexValue, toRegExp } from './regex.js';

/** A compiled query filter. */
export type Predicate = (doc: Document) => boolean;

type ValueTest = (value: BsonValue) => boolean;

const TOP_LEVEL_HINT =
  "If you have a field name that starts with a '$' symbol, consider using $getField or $setField.";

/** Tests a value and, when it is an array, each of its elements (MongoDB's implicit array match). */
function anyValue(values: BsonValue[], test: ValueTest): boolean {
  for (const value of values) {
    if (test(value)) return true;
    if (Array.isArray(value)) {
      for (const element of value) if (test(element)) return true;
    }
  }
  return false;
}

function equalityTest(expected: BsonValue): ValueTest {
  if (expected === null) return (v) => v === null || v === undefined;
  return (v) => v !== undefined && valuesEqual(v, expected);
}

function comparisonTest(expected: BsonValue, accept: (c: number) => boolean): ValueTest {
  const expectedType = bsonTypeOf(expected);
  const rank = canonicalTypeRank(expectedType);
  const unbounded = expectedType === 'minKey' || expectedType === 'maxKey';
  return (v) => {
    if (!unbounded && canonicalTypeRank(bsonTypeOf(v)) !== rank) return false;
    return accept(compareValues(v, expected));
  };
}

function inTest(list: BsonValue, operator: string): ValueTest {
  if (!Array.isArray(list)) throw badValue(`${operator} needs an array`);
  const tests = list.map((item) => {
    if (isRegexValue(item)) {
      const re = toRegExp(item);
      return (v: BsonValue) => typeof v === 'string' && re.test(v);
    }
    if (isOperatorObject(item)) throw badValue(`cannot nest $ under ${operator}`);
    return equalityTest(item);
  });
  return (v) => tests.some((t) => t(v));
}

function typeNames(spec: BsonValue): Set<BsonTypeName | 'number'> {
  const names = new Set<BsonTypeName | 'number'>();
  const specs = Array.isArray(spec) ? spec : [spec];
  for (const s of specs) {
    if (typeof s === 'string') {
      if (s === 'number') names.add('number');
      else if (Object.hasOwn(BSON_TYPE_NUMBERS, s)) names.add(s as BsonTypeName);
      else throw badValue(`Unknown type name alias: ${s}`);
      continue;
    }
    const code = asNumber(s);
    if (code === undefined) throw badValue(`type must be represented as a number or a string`);
    const entry = Object.entries(BSON_TYPE_NUMBERS).find(([, n]) => n === code);
    if (!entry || !Number.isInteger(code)) throw badValue(`Invalid numerical type code: ${code}`);
    names.add(entry[0] as BsonTypeName);
  }
  return names;
}

function typeTest(spec: BsonValue): ValueTest {
  const names = typeNames(spec);
  return (v) => {
    const type = bsonTypeOf(v);
    if (type === 'missing') return false;
    return names.has(type) || (names.has('number') && isNumericType(type));
  };
}

function modTest(spec: BsonValue): ValueTest {
  if (!Array.isArray(spec)) throw badValue('malformed mod, needs to be an array');
  if (spec.length < 2) throw badValue('malformed mod, not enough elements');
  if (spec.length > 2) throw badValue('malformed mod, too many elements');
  const divisor = asNumber(spec[0]);
  const remainder = asNumber(spec[1]);
  if (divisor === undefined) throw badValue('malformed mod, divisor not a number');
  if (remainder === undefined) throw badValue('malformed mod, remainder not a number');
  const d = Math.trunc(divisor);
  if (d === 0) throw badValue('divisor cannot be 0');
  const r = Math.trunc(remainder);
  return (v) => {
    const n = asNumber(v);
    return n !== undefined && Number.isFinite(n) && Math.trunc(n) % d === r;
  };
}

type FieldTest = (values: BsonValue[]) => boolean;

/** DBRef names a query may name as fields at its top level (`{$ref: 'c', $id: 1}` in `$elemMatch`). */
const DBREF_FIELDS = new Set(['$ref', '$id', '$db']);

/** Operators that stand at a query's top level; `$elemMatch` starting with one is a query. */
const PATHLESS_OPERATORS = new Set([
  ...DBREF_FIELDS,
  '$and',
  '$or',
  '$nor',
  '$expr',
  '$where',
  '$text',
  '$comment',
  '$jsonSchema',
  '$alwaysTrue',
  '$alwaysFalse',
  '$sampleRate',
]);

function operatorTest(
  operator: string,
  operand: BsonValue,
  siblings: Record<string, unknown>,
): FieldTest | undefined {
  switch (operator) {
    case '$eq': {
      const test = equalityTest(operand);
      return (values) => anyValue(values, test);
    }
    case '$ne': {
      const test = equalityTest(operand);
      return (values) => !anyValue(values, test);
    }
    case '$gt':
    case '$gte':
    case '$lt':
    case '$lte': {
      const accept =
        operator === '$gt'
          ? (c: number) => c > 0
          : operator === '$gte'
            ? (c: number) => c >= 0
            : operator === '$lt'
              ? (c: number) => c < 0
              : (c: number) => c <= 0;
      const test = comparisonTest(operand, accept);
      return (values) => anyValue(values, test);
    }
    case '$in': {
      const test = inTest(operand, '$in');
      return (values) => anyValue(values, test);
    }
    case '$nin': {
      const test = inTest(operand, '$nin');
      return (values) => !anyValue(values, test);
    }
    case '$exists': {
      const wanted = operand !== false && operand !== null && asNumber(operand) !== 0;
      return (values) => values.some((v) => v !== undefined) === wanted;
    }
    case '$type': {
      const test = typeTest(operand);
      return (values) => anyValue(values, test);
    }
    case '$size': {
      const size = asNumber(operand);
      if (size === undefined) throw badValue('$size needs a number');
      if (!Number.isInteger(size)) throw badValue("$size parameter can't be a non-integer");
      if (size < 0) throw badValue("$size parameter can't be negative");
      return (values) => values.some((v) => Array.isArray(v) && v.length === size);
    }
    case '$mod': {
      const test = modTest(operand);
      return (values) => anyValue(values, test);
    }
    case '$regex': {
      const re = toRegExp(operand, siblings.$options);
      const test: ValueTest = (v) =>
        typeof v === 'string' ? re.test(v) : isRegexValue(v) && valuesEqual(v, operand);
      return (values) => anyValue(values, test);
    }
    case '$options':
      if (!('$regex' in siblings)) throw badValue('$options needs a $regex');
      return undefined;
    case '$not': {
      if (isRegexValue(operand)) {
        const re = toRegExp(operand);
        return (values) => !anyValue(values, (v) => typeof v === 'string' && re.test(v));
      }
      if (!isPlainDocument(operand)) throw badValue('$not needs a regex or a document');
      if (Object.keys(operand).length === 0) throw badValue('$not cannot be empty');
      const inner = compileOperators(operand);
      return (values) => !inner(values);
    }
    case '$all': {
      if (!Array.isArray(operand)) throw badValue('$all needs an array');
      if (operand.length === 0) return () => false;
      const tests: FieldTest[] = operand.map((item) => {
        if (isPlainDocument(item) && '$elemMatch' in item) {
          return operatorTest('$elemMatch', item.$elemMatch, item) as FieldTest;
        }
        if (isRegexValue(item)) {
          const re = toRegExp(item);
          return (values) => anyValue(values, (v) => typeof v === 'string' && re.test(v));
        }
        const test = equalityTest(item);
        return (values) => anyValue(values, test);
      });
      return (values) => tests.every((t) => t(values));
    }
    case '$elemMatch': {
      if (!isPlainDocument(operand)) throw badValue('$elemMatch needs an Object');
      // MongoDB reads `{$elemMatch: {$gt: 1}}` as conditions on each element and anything else —
      // including a DBRef's `$ref`/`$id`/`$db` (SERVER-12263) — as a query on each element document.
      const first = Object.keys(operand)[0];
      const onValue =
        isOperatorObject(operand, true) && first !== undefined && !PATHLESS_OPERATORS.has(first);
      const elementTest: ValueTest = onValue
        ? (
            (inner) => (v: BsonValue) =>
              inner([v])
          )(compileOperators(operand))
        : (
            (inner) => (v: BsonValue) =>
              isPlainDocument(v) && inner(v)
          )(compileFilter(operand));
      return (values) => values.some((v) => Array.isArray(v) && v.some(elementTest));
    }
    case '$bitsAllSet':
    case '$bitsAllClear':
    case '$bitsAnySet':
    case '$bitsAnyClear': {
      const test = bitTest(operator, operand);
      return (values) => anyValue(values, test);
    }
    case '$geoWithin':
    case '$geoIntersects':
    case '$near':
    case '$nearSphere':
      throw notSupported(`query operator ${operator}`);
    default:
      throw badValue(`unknown operator: ${operator}`);
  }
}

function compileOperators(spec: Record<string, unknown>): FieldTest {
  const tests: FieldTest[] = [];
  for (const [operator, operand] of Object.entries(spec)) {
    if (!operator.startsWith('$')) throw badValue(`unknown operator: ${operator}`);
    const test = operatorTest(operator, operand, spec);
    if (test) tests.push(test);
  }
  return (values) => tests.every((t) => t(values));
}

function compileField(path: string, condition: BsonValue): Predicate {
  if (path === '') throw badValue('Empty field names in path are not allowed');
  let test: FieldTest;
  if (isOperatorObject(condition)) {
    test = compileOperators(condition);
  } else if (isRegexValue(condition)) {
    const re = toRegExp(condition);
    const regexTest: ValueTest = (v) =>
      typeof v === 'string' ? re.test(v) : isRegexValue(v) && valuesEqual(v, condition);
    test = (values) => anyValue(values, regexTest);
  } else {
    const eq = equalityTest(condition);
    test = (values) => anyValue(values, eq);
  }
  return (doc) => test(pathValues(doc, path));
}

function compileList(
  operator: string,
  operand: BsonValue,
  variables: Variables | undefined,
): Predicate[] {
  if (!Array.isArray(operand) || operand.length === 0) {
    throw badValue(`${operator} must be a nonempty array`);
  }
  return operand.map((clause) => {
    if (!isPlainDocument(clause)) {
      throw badValue(`${operator} argument's entries must be objects`);
    }
    return compileFilter(clause, variables);
  });
}

/**
 * Compiles a MongoDB query filter into a predicate with MongoDB's semantics (BSON comparison order,
 * type bracketing, implicit array matching, null matching missing). Throws `BadValue` for malformed
 * filters and unknown operators, and not-supported for operators the emulator lacks.
 */
export function compileFilter(
  filter: Document | undefined | null,
  variables?: Variables,
): Predicate {
  if (filter === undefined || filter === null) return () => true;
  const predicates: Predicate[] = [];
  for (const [key, value] of Object.entries(filter)) {
    if (!key.startsWith('$') || DBREF_FIELDS.has(key)) {
      predicates.push(compileField(key, value));
      continue;
    }
    switch (key) {
      case '$and': {
        const all = compileList(key, value, variables);
        predicates.push((doc) => all.every((p) => p(doc)));
        break;
      }
      case '$or': {
        const any = compileList(key, value, variables);
        predicates.push((doc) => any.some((p) => p(doc)));
        break;
      }
      case '$nor': {
        const none = compileList(key, value, variables);
        predicates.push((doc) => !none.some((p) => p(doc)));
        break;
      }
      case '$expr':
        predicates.push(compileMingoExpr(value, variables));
        break;
      case '$comment':
        break;
      case '$alwaysTrue':
        break;
      case '$alwaysFalse':
        predicates.push(() => false);
        break;
      case '$jsonSchema': {
        const schema = compileJsonSchema(value);
        predicates.push((doc) => schema.matches(doc));
        break;
      }
      case '$where':
      case '$text':
      case '$sampleRate':
        throw notSupported(`query operator ${key}`);
      default:
        throw badValue(`unknown top level operator: ${key}. ${TOP_LEVEL_HINT}`);
    }
  }
  return (doc) => {
    for (const p of predicates) if (!p(doc)) return false;
    return true;
  };
}

/**
 * The fields a filter pins by equality (top-level `field: value`, `{$eq: value}` and `$and`
 * members), as MongoDB uses them to seed upserts and as the engine uses them for index lookups.
 * Operator objects, regexes and `$or` branches pin nothing.
 */
export function equalityFields(filter: Document | undefined | null): Map<string, BsonValue> {
  const fields = new Map<string, BsonValue>();
  if (!filter) return fields;
  for (const [key, value] of Object.entries(filter)) {
    if (key === '$and' && Array.isArray(value)) {
      for (const clause of value) {
        if (isPlainDocument(clause)) {
          for (const [k, v] of equalityFields(clause)) fields.set(k, v);
        }
      }
      continue;
    }
    if (key.startsWith('$')) continue;
    if (isRegexValue(value)) continue;
    if (isOperatorObject(value)) {
      if ('$eq' in value && !isRegexValue(value.$eq)) fields.set(key, value.$eq);
      continue;
    }
    fields.set(key, value);
  }
  return fields;
}
