import type { Binary, Decimal128, Double, Int32, Long, ObjectId, Timestamp } from 'bson';

/** A value as the emulator holds it: whatever `bson` deserialises (with or without promotion). */
export type BsonValue = unknown;

/** MongoDB's `$type` alias of a value (`'double'`, `'int'`, `'objectId'`, …), `'missing'` for undefined. */
export type BsonTypeName =
  | 'double'
  | 'string'
  | 'object'
  | 'array'
  | 'binData'
  | 'undefined'
  | 'objectId'
  | 'bool'
  | 'date'
  | 'null'
  | 'regex'
  | 'dbPointer'
  | 'javascript'
  | 'symbol'
  | 'javascriptWithScope'
  | 'int'
  | 'timestamp'
  | 'long'
  | 'decimal'
  | 'minKey'
  | 'maxKey'
  | 'missing';

/** BSON type numbers by alias, as `$type` accepts them. */
export const BSON_TYPE_NUMBERS: Readonly<Record<string, number>> = {
  double: 1,
  string: 2,
  object: 3,
  array: 4,
  binData: 5,
  undefined: 6,
  objectId: 7,
  bool: 8,
  date: 9,
  null: 10,
  regex: 11,
  dbPointer: 12,
  javascript: 13,
  symbol: 14,
  javascriptWithScope: 15,
  int: 16,
  timestamp: 17,
  long: 18,
  decimal: 19,
  minKey: -1,
  maxKey: 127,
};

function bsontype(value: object): string | undefined {
  const tag = (value as { _bsontype?: unknown })._bsontype;
  return typeof tag === 'string' ? tag : undefined;
}

/** The BSON type of a held value. */
export function bsonTypeOf(value: BsonValue): BsonTypeName {
  if (value === undefined) return 'missing';
  if (value === null) return 'null';
  switch (typeof value) {
    case 'number':
      return Number.isInteger(value) &&
        value >= -2147483648 &&
        value <= 2147483647 &&
        !Object.is(value, -0)
        ? 'int'
        : 'double';
    case 'bigint':
      return 'long';
    case 'string':
      return 'string';
    case 'boolean':
      return 'bool';
    case 'object':
      break;
    default:
      return 'javascript';
  }
  if (Array.isArray(value)) return 'array';
  if (value instanceof Date) return 'date';
  if (value instanceof RegExp) return 'regex';
  const tag = bsontype(value);
  switch (tag) {
    case undefined:
      return 'object';
    case 'Int32':
      return 'int';
    case 'Double':
      return 'double';
    case 'Long':
      return 'long';
    case 'Decimal128':
      return 'decimal';
    case 'ObjectId':
    case 'ObjectID':
      return 'objectId';
    case 'Binary':
      return 'binData';
    case 'Timestamp':
      return 'timestamp';
    case 'BSONRegExp':
      return 'regex';
    case 'MinKey':
      return 'minKey';
    case 'MaxKey':
      return 'maxKey';
    case 'Code':
      return 'javascript';
    case 'BSONSymbol':
      return 'symbol';
    case 'DBRef':
      return 'object';
    default:
      return 'object';
  }
}

/** True for the four numeric BSON types. */
export function isNumericType(type: BsonTypeName): boolean {
  return type === 'int' || type === 'long' || type === 'double' || type === 'decimal';
}

/** True when the value is a plain (embedded) document, not an array or a BSON value class. */
export function isPlainDocument(value: BsonValue): value is Record<string, unknown> {
  return bsonTypeOf(value) === 'object';
}

/**
 * MongoDB's canonical type order used by comparisons and sorts
 * (MinKey < null < numbers < string < object < array < binData < ObjectId < bool < Date <
 * Timestamp < regex < MaxKey).
 */
export function canonicalTypeRank(type: BsonTypeName): number {
  switch (type) {
    case 'minKey':
      return 1;
    case 'missing':
    case 'undefined':
    case 'null':
      return 5;
    case 'int':
    case 'long':
    case 'double':
    case 'decimal':
      return 10;
    case 'string':
    case 'symbol':
      return 15;
    case 'object':
      return 20;
    case 'array':
      return 25;
    case 'binData':
      return 30;
    case 'objectId':
      return 35;
    case 'bool':
      return 40;
    case 'date':
      return 45;
    case 'timestamp':
      return 47;
    case 'regex':
      return 50;
    case 'dbPointer':
      return 55;
    case 'javascript':
      return 60;
    case 'javascriptWithScope':
      return 65;
    case 'maxKey':
      return 127;
  }
}

/** Narrowing helpers for BSON classes held in documents. */
export type NumericValue = number | bigint | Int32 | Double | Long | Decimal128;
export type { Binary, ObjectId, Timestamp };
