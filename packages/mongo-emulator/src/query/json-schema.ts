import type { Document } from 'bson';
import { badValue, CommandError, ErrorCode, notSupported, typeMismatch } from '../errors.js';
import {
  BSON_TYPE_NUMBERS,
  type BsonValue,
  bsonTypeOf,
  isNumericType,
  isPlainDocument,
} from './bson-types.js';
import { compareValues, valuesEqual } from './compare.js';
import { getField } from './fields.js';
import { asNumber, toNumeric } from './numeric.js';
import { toRegExp } from './regex.js';

/**
 * MongoDB's `$jsonSchema` (draft 4 with `bsonType`), for queries and validators: matching, and the
 * `schemaRulesNotSatisfied` MongoDB reports for a document a validator refuses. The keywords:
 * `bsonType`, `type`, `enum`, `required`, `properties`, `additionalProperties: <boolean>`,
 * `minimum`/`maximum` (with `exclusiveMinimum`/`exclusiveMaximum`), `multipleOf`,
 * `minLength`/`maxLength`, `pattern`, `items: <schema>`, `minItems`/`maxItems`, `allOf`, `anyOf`,
 * `oneOf`, `not`, `title`, `description`. The other keywords MongoDB has answer not supported.
 */

/** One failed rule, as MongoDB explains it (`{operatorName, specifiedAs, reason, …}`). */
type Failure = Document;

/** Checks a value (the document at the top level) and lists the rules it fails. */
type Check = (value: BsonValue) => Failure[];

interface CompiledSchema {
  readonly check: Check;
  readonly title: string | undefined;
  readonly description: string | undefined;
}

const KNOWN = new Set([
  'bsonType',
  'type',
  'enum',
  'required',
  'properties',
  'additionalProperties',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minLength',
  'maxLength',
  'pattern',
  'items',
  'minItems',
  'maxItems',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'title',
  'description',
]);

/** Keywords MongoDB has that the emulator does not implement. */
const NOT_IMPLEMENTED = new Set([
  'patternProperties',
  'dependencies',
  'additionalItems',
  'uniqueItems',
  'minProperties',
  'maxProperties',
]);

/** Keywords MongoDB refuses as not supported by its JSON Schema. */
const UNSUPPORTED_BY_MONGODB = new Set([
  '$ref',
  '$schema',
  'default',
  'definitions',
  'format',
  'id',
]);

const JSON_TYPES = new Set(['object', 'array', 'number', 'boolean', 'string', 'null']);
const NUMBER_TYPES = ['decimal', 'double', 'int', 'long'];

function failedToParse(message: string): CommandError {
  return new CommandError(ErrorCode.FailedToParse, message);
}

/** A type set: BSON type names, and `number` for every numeric type. */
type TypeSet = Set<string>;

function parseTypeSet(keyword: 'type' | 'bsonType', value: BsonValue): TypeSet {
  if (typeof value !== 'string' && !Array.isArray(value)) {
    throw typeMismatch(
      `$jsonSchema keyword '${keyword}' must be either a string or an array of strings`,
    );
  }
  const names = typeof value === 'string' ? [value] : value;
  const set: TypeSet = new Set();
  for (const name of names) {
    if (typeof name !== 'string') {
      throw typeMismatch(`$jsonSchema keyword '${keyword}' array elements must be strings`);
    }
    if (set.has(name)) {
      throw failedToParse(`$jsonSchema keyword '${keyword}' has duplicate value: ${name}`);
    }
    if (keyword === 'type') {
      if (name === 'integer') throw notSupported("the $jsonSchema type 'integer'");
      if (!JSON_TYPES.has(name)) throw badValue(`Unknown type name alias: ${name}`);
    } else if (name !== 'number' && !Object.hasOwn(BSON_TYPE_NUMBERS, name)) {
      throw badValue(`Unknown type name alias: ${name}`);
    }
    set.add(name);
  }
  if (set.size === 0) {
    throw failedToParse(`$jsonSchema keyword '${keyword}' must name at least one type`);
  }
  // JSON Schema's names for BSON types.
  const bson: TypeSet = new Set();
  for (const name of set) bson.add(name === 'boolean' ? 'bool' : name);
  return bson;
}

function hasType(set: TypeSet, value: BsonValue): boolean {
  const type = bsonTypeOf(value);
  return set.has(type) || (set.has('number') && isNumericType(type));
}

/** What a restriction keyword applies to: strings, numbers, arrays or objects. */
type Restricted = 'string' | 'number' | 'array' | 'object';

function isOfKind(kind: Restricted, value: BsonValue): boolean {
  const type = bsonTypeOf(value);
  return kind === 'number' ? isNumericType(type) : type === kind;
}

/** The kind of restriction a type name is, if any. */
function kindOf(type: string): Restricted | undefined {
  if (type === 'number' || NUMBER_TYPES.includes(type)) return 'number';
  if (type === 'string' || type === 'array' || type === 'object') return type;
  return undefined;
}

/** How the stated type affects a restriction: applied as is, applied to its kind, or ignored. */
function stateFor(kind: Restricted, stated: TypeSet | undefined): 'strict' | 'kind' | 'ignored' {
  if (stated === undefined || stated.size !== 1) return 'kind';
  const [only] = stated;
  return kindOf(only as string) === kind ? 'strict' : 'ignored';
}

function nonNegativeInteger(keyword: string, value: BsonValue): number {
  const n = asNumber(value);
  if (n === undefined) throw typeMismatch(`Expected a number in: ${keyword}: ${String(value)}`);
  if (!Number.isInteger(n)) {
    throw badValue(`Expected an integer: ${keyword}: ${String(value)}`);
  }
  if (n < 0) throw badValue(`Expected a positive number in: ${keyword}: ${n}`);
  return n;
}

function stringLength(value: string): number {
  let n = 0;
  for (const _ of value) n += 1;
  return n;
}

function typeMismatchFailure(
  keyword: string,
  specifiedAs: Document,
  kind: 'string' | 'number' | 'regex',
  value: BsonValue,
): Failure {
  const failure: Failure = {
    operatorName: keyword,
    specifiedAs,
    reason: 'type did not match',
    consideredType: bsonTypeOf(value),
  };
  if (kind === 'string') failure.expectedType = 'string';
  else failure.expectedTypes = kind === 'regex' ? ['regex', 'string', 'symbol'] : NUMBER_TYPES;
  failure.consideredValue = value;
  return failure;
}

/** A restriction on strings or numbers (reported with its type when the stated type demands it). */
function scalarRule(
  keyword: string,
  specifiedAs: Document,
  kind: 'string' | 'number',
  expected: 'string' | 'number' | 'regex',
  stated: TypeSet | undefined,
  holds: (value: never) => boolean,
  reason: string,
): Check {
  const state = stateFor(kind, stated);
  return (value) => {
    if (state === 'ignored') return [];
    if (!isOfKind(kind, value)) {
      return state === 'strict' ? [typeMismatchFailure(keyword, specifiedAs, expected, value)] : [];
    }
    if (holds(value as never)) return [];
    return [{ operatorName: keyword, specifiedAs, reason, consideredValue: value }];
  };
}

/** A restriction on arrays or objects (only its kind is checked; the type keyword reports others). */
function structuredRule(
  kind: 'array' | 'object',
  stated: TypeSet | undefined,
  check: Check,
): Check {
  const state = stateFor(kind, stated);
  return (value) => (state !== 'ignored' && isOfKind(kind, value) ? check(value) : []);
}

function subSchemas(keyword: string, value: BsonValue): Document[] {
  if (!Array.isArray(value))
    throw typeMismatch(`$jsonSchema keyword '${keyword}' must be an array`);
  if (value.length === 0) {
    throw badValue(`$jsonSchema keyword '${keyword}' must be a non-empty array`);
  }
  return value.map((item) => {
    if (!isPlainDocument(item)) {
      throw typeMismatch(
        `$jsonSchema keyword '${keyword}' must be an array of objects, but found an element of type ${bsonTypeOf(item)}`,
      );
    }
    return item;
  });
}

/** Compiles one (sub)schema; `topLevel` for the schema of the whole document. */
function compile(schema: Document, topLevel: boolean): CompiledSchema {
  for (const keyword of Object.keys(schema)) {
    if (UNSUPPORTED_BY_MONGODB.has(keyword)) {
      throw failedToParse(`$jsonSchema keyword '${keyword}' is not currently supported`);
    }
    if (NOT_IMPLEMENTED.has(keyword)) throw notSupported(`the $jsonSchema keyword '${keyword}'`);
    if (!KNOWN.has(keyword)) throw failedToParse(`Unknown $jsonSchema keyword: ${keyword}`);
  }
  const has = (keyword: string) => Object.hasOwn(schema, keyword);
  for (const keyword of ['title', 'description']) {
    if (has(keyword) && typeof schema[keyword] !== 'string') {
      throw typeMismatch(`$jsonSchema keyword '${keyword}' must be of type string`);
    }
  }
  if (has('type') && has('bsonType')) {
    throw failedToParse("Cannot specify both $jsonSchema keywords 'type' and 'bsonType'");
  }
  const typeKeyword = has('type') ? 'type' : has('bsonType') ? 'bsonType' : undefined;
  const stated = typeKeyword && parseTypeSet(typeKeyword, schema[typeKeyword]);
  const rules: Check[] = [];

  // String keywords, then numeric ones (MongoDB's order); none applies to the document itself.
  if (has('pattern')) {
    const pattern = schema.pattern;
    if (typeof pattern !== 'string')
      throw typeMismatch("$jsonSchema keyword 'pattern' must be a string");
    const re = toRegExp(pattern);
    if (!topLevel) {
      rules.push(
        scalarRule(
          'pattern',
          { pattern },
          'string',
          'regex',
          stated,
          (v: string) => re.test(v),
          'regular expression did not match',
        ),
      );
    }
  }
  for (const keyword of ['maxLength', 'minLength'] as const) {
    if (!has(keyword)) continue;
    const limit = nonNegativeInteger(keyword, schema[keyword]);
    if (topLevel) continue;
    const holds =
      keyword === 'maxLength'
        ? (v: string) => stringLength(v) <= limit
        : (v: string) => stringLength(v) >= limit;
    rules.push(
      scalarRule(
        keyword,
        { [keyword]: schema[keyword] },
        'string',
        'string',
        stated,
        holds,
        'specified string length was not satisfied',
      ),
    );
  }
  if (has('multipleOf')) {
    const divisor = asNumber(schema.multipleOf);
    if (divisor === undefined)
      throw typeMismatch("$jsonSchema keyword 'multipleOf' must be a number");
    if (!(divisor > 0))
      throw failedToParse("$jsonSchema keyword 'multipleOf' must have a positive value");
    if (!topLevel) {
      const holds = (v: BsonValue) => {
        const n = asNumber(v) as number;
        return Number.isFinite(n) && Math.abs(n % divisor) < 1e-9 * Math.max(1, Math.abs(n));
      };
      rules.push(
        scalarRule(
          'multipleOf',
          { multipleOf: schema.multipleOf },
          'number',
          'number',
          stated,
          holds,
          'considered value is not a multiple of the specified value',
        ),
      );
    }
  }
  for (const [bound, exclusive, accept] of [
    ['maximum', 'exclusiveMaximum', (c: number, x: boolean) => (x ? c < 0 : c <= 0)],
    ['minimum', 'exclusiveMinimum', (c: number, x: boolean) => (x ? c > 0 : c >= 0)],
  ] as const) {
    let isExclusive = false;
    if (has(exclusive)) {
      if (typeof schema[exclusive] !== 'boolean') {
        throw typeMismatch(`$jsonSchema keyword '${exclusive}' must be a boolean`);
      }
      if (!has(bound)) {
        throw failedToParse(
          `$jsonSchema keyword '${bound}' must be a present if ${exclusive} is present`,
        );
      }
      isExclusive = schema[exclusive] === true;
    }
    if (!has(bound)) continue;
    const limit = schema[bound];
    if (toNumeric(limit) === undefined)
      throw typeMismatch(`$jsonSchema keyword '${bound}' must be a number`);
    if (topLevel) continue;
    const specifiedAs: Document = isExclusive
      ? { [bound]: limit, [exclusive]: true }
      : { [bound]: limit };
    rules.push(
      scalarRule(
        bound,
        specifiedAs,
        'number',
        'number',
        stated,
        (v: BsonValue) => accept(compareValues(v, limit), isExclusive),
        'comparison failed',
      ),
    );
  }

  // Array keywords.
  for (const keyword of ['minItems', 'maxItems'] as const) {
    if (!has(keyword)) continue;
    const limit = nonNegativeInteger(keyword, schema[keyword]);
    if (topLevel) continue;
    const specifiedAs = { [keyword]: schema[keyword] };
    rules.push(
      structuredRule('array', stated, (value) => {
        const length = (value as unknown[]).length;
        const holds = keyword === 'minItems' ? length >= limit : length <= limit;
        return holds
          ? []
          : [
              {
                operatorName: keyword,
                specifiedAs,
                reason: 'array did not match specified length',
                consideredValue: value,
              },
            ];
      }),
    );
  }
  if (has('items')) {
    const items = schema.items;
    if (Array.isArray(items))
      throw notSupported("the $jsonSchema keyword 'items' with an array of schemas");
    if (!isPlainDocument(items)) {
      throw typeMismatch("$jsonSchema keyword 'items' must be an array or an object");
    }
    const item = compile(items, false);
    if (!topLevel) {
      rules.push(
        structuredRule('array', stated, (value) => {
          const array = value as unknown[];
          for (let i = 0; i < array.length; i++) {
            const details = item.check(array[i]);
            if (details.length > 0) {
              return [
                {
                  operatorName: 'items',
                  reason: 'At least one item did not match the sub-schema',
                  itemIndex: i,
                  details,
                },
              ];
            }
          }
          return [];
        }),
      );
    }
  }

  // Object keywords: properties, additionalProperties, required.
  const objectRules: Check[] = [];
  let propertyNames: string[] = [];
  if (has('properties')) {
    const properties = schema.properties;
    if (!isPlainDocument(properties))
      throw typeMismatch("$jsonSchema keyword 'properties' must be an object");
    const compiled = Object.entries(properties).map(([name, sub]) => {
      if (!isPlainDocument(sub)) {
        throw typeMismatch(`Nested schema for $jsonSchema property '${name}' must be an object`);
      }
      return [name, compile(sub, false)] as const;
    });
    propertyNames = compiled.map(([name]) => name);
    objectRules.push((value) => {
      const notSatisfied: Document[] = [];
      for (const [name, sub] of compiled) {
        if (!Object.hasOwn(value as object, name)) continue;
        const details = sub.check(getField(value as object, name));
        if (details.length === 0) continue;
        const entry: Document = { propertyName: name };
        if (sub.title !== undefined) entry.title = sub.title;
        if (sub.description !== undefined) entry.description = sub.description;
        entry.details = details;
        notSatisfied.push(entry);
      }
      return notSatisfied.length === 0
        ? []
        : [{ operatorName: 'properties', propertiesNotSatisfied: notSatisfied }];
    });
  }
  if (has('additionalProperties')) {
    const allowed = schema.additionalProperties;
    if (isPlainDocument(allowed))
      throw notSupported("the $jsonSchema keyword 'additionalProperties' with a schema");
    if (typeof allowed !== 'boolean') {
      throw typeMismatch(
        "$jsonSchema keyword 'additionalProperties' must be either an object or a boolean",
      );
    }
    if (!allowed) {
      const known = new Set(propertyNames);
      objectRules.push((value) => {
        const extra = Object.keys(value as object).filter((name) => !known.has(name));
        return extra.length === 0
          ? []
          : [
              {
                operatorName: 'additionalProperties',
                specifiedAs: { additionalProperties: false },
                additionalProperties: extra,
              },
            ];
      });
    }
  }
  if (has('required')) {
    const required = schema.required;
    if (!Array.isArray(required))
      throw typeMismatch("$jsonSchema keyword 'required' must be an array");
    if (required.length === 0)
      throw failedToParse("$jsonSchema keyword 'required' cannot be an empty array");
    const seen = new Set<string>();
    for (const name of required) {
      if (typeof name !== 'string')
        throw typeMismatch("$jsonSchema keyword 'required' must contain only strings");
      if (seen.has(name))
        throw failedToParse(`$jsonSchema keyword 'required' array contains duplicate values`);
      seen.add(name);
    }
    objectRules.push((value) => {
      const missing = (required as string[]).filter(
        (name) => !Object.hasOwn(value as object, name),
      );
      return missing.length === 0
        ? []
        : [{ operatorName: 'required', specifiedAs: { required }, missingProperties: missing }];
    });
  }
  for (const rule of objectRules)
    rules.push(topLevel ? rule : structuredRule('object', stated, rule));

  // Logical keywords and enum.
  for (const keyword of ['allOf', 'anyOf', 'oneOf'] as const) {
    if (!has(keyword)) continue;
    const subs = subSchemas(keyword, schema[keyword]).map((sub) => compile(sub, topLevel));
    rules.push((value) => {
      const results = subs.map((sub) => sub.check(value));
      const failing = results.flatMap((details, index) =>
        details.length > 0 ? [{ index, details }] : [],
      );
      if (keyword === 'allOf') {
        return failing.length === 0
          ? []
          : [{ operatorName: 'allOf', schemasNotSatisfied: failing }];
      }
      const matching = results.flatMap((details, index) => (details.length === 0 ? [index] : []));
      if (keyword === 'anyOf') {
        return matching.length > 0 ? [] : [{ operatorName: 'anyOf', schemasNotSatisfied: failing }];
      }
      if (matching.length === 1) return [];
      if (matching.length === 0) return [{ operatorName: 'oneOf', schemasNotSatisfied: failing }];
      return [
        {
          operatorName: 'oneOf',
          reason: 'more than one subschema matched',
          matchingSchemaIndexes: matching,
        },
      ];
    });
  }
  if (has('not')) {
    if (!isPlainDocument(schema.not)) {
      throw typeMismatch(
        `$jsonSchema keyword 'not' must be an object, but found an element of type ${bsonTypeOf(schema.not)}`,
      );
    }
    const inner = compile(schema.not, topLevel);
    rules.push((value) =>
      inner.check(value).length === 0
        ? [{ operatorName: 'not', reason: 'child expression matched' }]
        : [],
    );
  }
  if (has('enum')) {
    const values = schema.enum;
    if (!Array.isArray(values)) {
      throw typeMismatch(
        `$jsonSchema keyword 'enum' must be an array, but found an element of type ${bsonTypeOf(values)}`,
      );
    }
    if (values.length === 0)
      throw failedToParse("$jsonSchema keyword 'enum' cannot be an empty array");
    rules.push((value) =>
      values.some((candidate) => valuesEqual(value, candidate))
        ? []
        : [
            {
              operatorName: 'enum',
              specifiedAs: { enum: values },
              reason: 'value was not found in enum',
              consideredValue: value,
            },
          ],
    );
  }

  // The type last; a document is an object, so a top-level type without `object` matches nothing.
  if (typeKeyword !== undefined && stated) {
    const specifiedAs = { [typeKeyword]: schema[typeKeyword] };
    if (!topLevel || !stated.has('object')) {
      rules.push((value) =>
        hasType(stated, value)
          ? []
          : [
              {
                operatorName: typeKeyword,
                specifiedAs,
                reason: 'type did not match',
                consideredValue: value,
                consideredType: bsonTypeOf(value),
              },
            ],
      );
    }
  }
  return {
    check: (value) => rules.flatMap((rule) => rule(value)),
    title: schema.title as string | undefined,
    description: schema.description as string | undefined,
  };
}

/** A compiled top-level `$jsonSchema`. */
export interface JsonSchema {
  matches(doc: Document): boolean;
  /** MongoDB's explanation of why `doc` fails the schema (`{operatorName: '$jsonSchema', …}`). */
  explain(doc: Document): Document;
}

/** Compiles the operand of `$jsonSchema`, with MongoDB's parse errors. */
export function compileJsonSchema(schema: BsonValue): JsonSchema {
  if (!isPlainDocument(schema)) throw typeMismatch('$jsonSchema must be an object');
  const compiled = compile(schema, true);
  return {
    matches: (doc) => compiled.check(doc).length === 0,
    explain: (doc) => {
      const out: Document = { operatorName: '$jsonSchema' };
      if (compiled.title !== undefined) out.title = compiled.title;
      if (compiled.description !== undefined) out.description = compiled.description;
      out.schemaRulesNotSatisfied = compiled.check(doc);
      return out;
    },
  };
}
