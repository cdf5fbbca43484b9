import type { Document } from 'bson';
import { Aggregator, Query } from 'mingo';
import { badValue, CommandError, ErrorCode, notSupported } from '../errors.js';
import { type BsonValue, bsonTypeOf } from './bson-types.js';
import { setField } from './fields.js';
import { asNumber } from './numeric.js';

/**
 * The one place the emulator hands documents and expressions to mingo, which evaluates
 * aggregation expressions (`$group`, `$project`, `$addFields`, `$expr`, pipeline updates).
 *
 * mingo computes on plain JavaScript values and reads fields as object properties, so a field
 * named like a property every object inherits (`__proto__`, `constructor`, `toString`, …) would
 * reach `Object.prototype`. Such names are escaped on the way in — prefixed with a NUL character,
 * which MongoDB forbids in field names, so an escaped name never collides with a real one — in
 * document keys, in the field names and field paths of the stage, and unescaped on the way out.
 * Expressions that turn field names into values (`$objectToArray`, `$arrayToObject`) cannot keep
 * the escape hidden: with such names present they answer not supported.
 */

const ESCAPE = '\u0000';

/** Values of user variables (a command's `let`), by name, as the emulator holds them. */
export type Variables = Readonly<Record<string, unknown>>;

/** Operators whose results expose field names as string values. */
const NAME_VALUE_OPERATORS = new Set(['$objectToArray', '$arrayToObject']);
/** Operators whose `field` argument (or shorthand string) is a field name. */
const FIELD_ARGUMENT_OPERATORS = new Set(['$getField', '$setField', '$unsetField']);

/** True for a name a plain object inherits (or that only an escape can start with). */
function inherited(name: string): boolean {
  return name in Object.prototype || name.startsWith(ESCAPE);
}

/** Tracks whether a conversion escaped anything and whether the stage reads names as values. */
interface Conversion {
  escaped: boolean;
  namesAsValues: boolean;
}

function escapeName(name: string, conversion: Conversion): string {
  if (!inherited(name)) return name;
  conversion.escaped = true;
  return ESCAPE + name;
}

function escapePath(path: string, conversion: Conversion): string {
  if (!path.includes('.')) return escapeName(path, conversion);
  return path
    .split('.')
    .map((part) => escapeName(part, conversion))
    .join('.');
}

function isHeldDocument(value: object): boolean {
  return bsonTypeOf(value) === 'object' && !('_bsontype' in value);
}

/**
 * A document (or any value) as mingo computes on it: numeric wrappers become JS numbers, inherited
 * field names are escaped.
 */
function dataToMingo(value: BsonValue, conversion: Conversion): BsonValue {
  if (value === null || typeof value !== 'object') {
    return typeof value === 'bigint' ? Number(value) : value;
  }
  if (Array.isArray(value)) return value.map((item) => dataToMingo(item, conversion));
  const type = bsonTypeOf(value);
  if (type === 'int' || type === 'long' || type === 'double' || type === 'decimal') {
    return asNumber(value);
  }
  if (!isHeldDocument(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[escapeName(key, conversion)] = dataToMingo(item, conversion);
  }
  return out;
}

/** A stage or expression for mingo: field names, field paths and variables escaped. */
function specToMingo(value: BsonValue, conversion: Conversion): BsonValue {
  if (typeof value === 'string') {
    if (value.startsWith('$$')) return `$$${escapePath(value.slice(2), conversion)}`;
    if (value.startsWith('$')) return `$${escapePath(value.slice(1), conversion)}`;
    return value;
  }
  if (value === null || typeof value !== 'object') return dataToMingo(value, conversion);
  if (Array.isArray(value)) return value.map((item) => specToMingo(item, conversion));
  if (!isHeldDocument(value)) return dataToMingo(value, conversion);
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    if (NAME_VALUE_OPERATORS.has(key)) conversion.namesAsValues = true;
    if (key === '$literal') {
      out[key] = dataToMingo(item, conversion);
    } else if (FIELD_ARGUMENT_OPERATORS.has(key) && typeof item === 'string') {
      out[key] = escapeName(item, conversion);
    } else if (
      (FIELD_ARGUMENT_OPERATORS.has(key) || key === '$filter' || key === '$map') &&
      isHeldObject(item)
    ) {
      out[key] = argumentsToMingo(item, conversion);
    } else {
      out[key.startsWith('$') ? key : escapePath(key, conversion)] = specToMingo(item, conversion);
    }
  }
  return out;
}

function isHeldObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && isHeldDocument(value);
}

/** Arguments of `$getField`/`$setField`/`$unsetField` (`field`) and `$filter`/`$map` (`as`). */
function argumentsToMingo(args: Record<string, unknown>, conversion: Conversion): Document {
  const out: Document = {};
  for (const [key, item] of Object.entries(args)) {
    out[key] =
      (key === 'field' || key === 'as') && typeof item === 'string'
        ? escapeName(item, conversion)
        : specToMingo(item, conversion);
  }
  return out;
}

/** A `$unset` stage's field list (names, not `$` paths). */
function unsetToMingo(spec: BsonValue, conversion: Conversion): BsonValue {
  if (typeof spec === 'string') return escapePath(spec, conversion);
  if (Array.isArray(spec)) {
    return spec.map((item) => (typeof item === 'string' ? escapePath(item, conversion) : item));
  }
  return spec;
}

function stageToMingo(stage: Document, conversion: Conversion): Document {
  const out: Document = {};
  for (const [name, spec] of Object.entries(stage)) {
    out[name] = name === '$unset' ? unsetToMingo(spec, conversion) : specToMingo(spec, conversion);
  }
  return out;
}

/** A value from mingo with escaped field names restored. */
function fromMingo(value: BsonValue): BsonValue {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(fromMingo);
  if (!isHeldDocument(value)) return value;
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    setField(out, key.startsWith(ESCAPE) ? key.slice(1) : key, fromMingo(item));
  }
  return out;
}

function checkNamesAsValues(conversion: Conversion): void {
  if (conversion.escaped && conversion.namesAsValues) {
    throw notSupported(
      '$objectToArray and $arrayToObject over field names that JavaScript objects inherit (such as __proto__ or constructor)',
    );
  }
}

/** mingo's options for a run with user variables (names escaped like field names). */
function optionsFor(variables: Variables | undefined, conversion: Conversion): Document {
  if (variables === undefined) return {};
  const escaped: Document = {};
  for (const [name, value] of Object.entries(variables)) {
    escaped[escapeName(name, conversion)] = dataToMingo(value, conversion);
  }
  return { variables: escaped };
}

/** mingo's message without escapes. */
function messageOf(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split(ESCAPE).join('');
}

/** Runs one stage on mingo; mingo's errors become MongoDB errors. */
export function runMingoStage(
  docs: readonly Document[],
  stage: Document,
  variables?: Variables,
): Document[] {
  const conversion: Conversion = { escaped: false, namesAsValues: false };
  const pipeline = [stageToMingo(stage, conversion)];
  const options = optionsFor(variables, conversion);
  const input = docs.map((doc) => dataToMingo(doc, conversion) as Document);
  checkNamesAsValues(conversion);
  let out: Document[];
  try {
    out = new Aggregator(pipeline, options).run(input) as Document[];
  } catch (error) {
    const message = messageOf(error);
    const op = /(\$[A-Za-z]+)/.exec(message)?.[1];
    if (/unknown|not found|unrecognized|invalid operator/i.test(message) && op) {
      throw new CommandError(
        ErrorCode.InvalidPipelineOperator,
        `Invalid $project :: caused by :: Unrecognized expression '${op}'`,
      );
    }
    throw badValue(message);
  }
  return out.map((doc) => fromMingo(doc) as Document);
}

/** Runs a whole pipeline on one document (pipeline-style updates); returns its first output. */
export function runMingoPipeline(
  doc: Document,
  pipeline: readonly Document[],
  variables?: Variables,
): Document | undefined {
  const conversion: Conversion = { escaped: false, namesAsValues: false };
  const stages = pipeline.map((stage) => stageToMingo(stage, conversion));
  const options = optionsFor(variables, conversion);
  const input = dataToMingo(doc, conversion) as Document;
  checkNamesAsValues(conversion);
  let computed: Document | undefined;
  try {
    [computed] = new Aggregator(stages, options).run([input]) as Document[];
  } catch (error) {
    throw badValue(messageOf(error));
  }
  return computed === undefined ? undefined : (fromMingo(computed) as Document);
}

/** The value of an aggregation expression for one document (`$$ROOT` is the document). */
export function evaluateExpression(
  expression: unknown,
  doc: Document,
  variables?: Variables,
): unknown {
  // A NUL-prefixed name cannot be a field of the document (MongoDB forbids NUL in names).
  const slot = `${ESCAPE}value`;
  const [result] = runMingoStage([doc], { $addFields: { [slot]: expression } }, variables);
  return result === undefined ? undefined : Object.hasOwn(result, slot) ? result[slot] : undefined;
}

/**
 * The values of a command's `let` variables: each an expression, evaluated once, in order (a later
 * one may use an earlier one).
 */
export function evaluateLet(definitions: Document): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [name, expression] of Object.entries(definitions)) {
    const [result] = runMingoStage([{}], { $addFields: { value: expression } }, values);
    setField(values, name, result?.value);
  }
  return values;
}

/** Compiles a query's `$expr` into a predicate over documents. */
export function compileMingoExpr(
  expression: BsonValue,
  variables?: Variables,
): (doc: Document) => boolean {
  const conversion: Conversion = { escaped: false, namesAsValues: false };
  const options = optionsFor(variables, conversion);
  const query = new Query({ $expr: specToMingo(expression, conversion) } as Document, options);
  const namesAsValues = conversion.namesAsValues;
  return (doc) => {
    const input: Conversion = { escaped: conversion.escaped, namesAsValues };
    const plain = dataToMingo(doc, input) as Document;
    checkNamesAsValues(input);
    try {
      return query.test(plain);
    } catch (error) {
      throw badValue(messageOf(error));
    }
  };
}
