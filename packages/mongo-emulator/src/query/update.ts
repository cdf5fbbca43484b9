import { type Document, serialize, type Timestamp } from 'bson';
import { badValue, CommandError, ErrorCode, notSupported, typeMismatch } from '../errors.js';
import { type BsonValue, bsonTypeOf, isPlainDocument } from './bson-types.js';
import { cloneValue } from './clone.js';
import { compareValues, valuesEqual } from './compare.js';
import { setField } from './fields.js';
import { formatValue } from './format.js';
import { compileFilter, type Predicate } from './matcher.js';
import { arithmetic, asNumber, fromNumeric, type Numeric, toNumeric } from './numeric.js';
import {
  compileArrayFilters,
  expandPath,
  type PositionalContext,
  pathIdentifiers,
  readPath,
  removePath,
  typeName,
  writePath,
} from './update-paths.js';

const OPERATORS = new Set([
  '$set',
  '$unset',
  '$inc',
  '$mul',
  '$min',
  '$max',
  '$rename',
  '$setOnInsert',
  '$currentDate',
  '$push',
  '$addToSet',
  '$pull',
  '$pullAll',
  '$pop',
]);

/** The kinds of update a command may carry. */
export type UpdateKind = 'operators' | 'replacement' | 'pipeline';

/** Classifies an update (`u` of `update`, `update` of `findAndModify`) and validates its form. */
export function updateKind(update: BsonValue): UpdateKind {
  if (Array.isArray(update)) return 'pipeline';
  if (!isPlainDocument(update)) {
    throw new CommandError(
      ErrorCode.FailedToParse,
      'Update argument must be either an object or an array',
    );
  }
  const keys = Object.keys(update);
  if (keys.length > 0 && keys[0]?.startsWith('$')) {
    for (const key of keys) {
      if (!OPERATORS.has(key)) {
        if (key === '$bit') throw notSupported('update operator $bit');
        throw new CommandError(
          ErrorCode.FailedToParse,
          `Unknown modifier: ${key}. Expected a valid update modifier or pipeline-style update specified as an array`,
        );
      }
    }
    return 'operators';
  }
  for (const key of keys) {
    if (key.startsWith('$')) {
      throw new CommandError(
        ErrorCode.DollarPrefixedFieldName,
        `The dollar ($) prefixed field '${key}' in '${key}' is not allowed in the context of an update's replacement document. Consider using an aggregation pipeline with $replaceWith.`,
      );
    }
  }
  return 'replacement';
}

/** What an operator update needs besides the document. */
export interface UpdateOptions {
  /** True when the update builds an upserted document ($setOnInsert applies). */
  isInsert: boolean;
  /** The `arrayFilters` of the update statement. */
  arrayFilters?: BsonValue;
  /** The query filter of the statement (for the `$` positional operator). */
  query?: Document;
  /** Wall-clock time for `$currentDate`. */
  now: Date;
  /** Logical time for `$currentDate: {$type: 'timestamp'}`. */
  timestamp: () => Timestamp;
}

function idOf(doc: Document): string {
  return formatValue(doc._id === undefined ? {} : { _id: doc._id }, false);
}

function checkConflicts(paths: string[]): void {
  const sorted = [...paths].sort();
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1] as string;
    const b = sorted[i] as string;
    if (a === b || b.startsWith(`${a}.`)) {
      throw new CommandError(
        ErrorCode.ConflictingUpdateOperators,
        `Updating the path '${b}' would create a conflict at '${a}'`,
      );
    }
  }
}

function operandsOf(operator: string, operand: BsonValue): Array<[string, BsonValue]> {
  if (!isPlainDocument(operand)) {
    throw new CommandError(
      ErrorCode.FailedToParse,
      `Modifiers operate on fields but we found type ${typeName(operand)} instead. For example: {$mod: {<field>: ...}} not {${operator}: ${formatValue(operand, false)}}`,
    );
  }
  return Object.entries(operand).map(([path, value]) => {
    if (path === '')
      throw new CommandError(56, 'An empty update path is not valid.', {
        codeName: 'EmptyFieldName',
      });
    if (path.split('.').some((p) => p === '')) {
      throw new CommandError(
        56,
        `The update path '${path}' contains an empty field name, which is not allowed.`,
        {
          codeName: 'EmptyFieldName',
        },
      );
    }
    return [path, value];
  });
}

function positionalResolver(
  doc: Document,
  query: Document | undefined,
): (arrayPath: string) => number | undefined {
  return (arrayPath) => {
    if (!query) return undefined;
    const relevant: Document = {};
    for (const [key, value] of Object.entries(query)) {
      if (key === arrayPath || key.startsWith(`${arrayPath}.`)) setField(relevant, key, value);
    }
    if (Object.keys(relevant).length === 0) return undefined;
    const array = readPath(doc, arrayPath);
    if (!Array.isArray(array)) return undefined;
    const predicate = compileFilter(relevant);
    for (let i = 0; i < array.length; i++) {
      const probe = cloneValue(doc);
      writePath(probe, arrayPath, [array[i]]);
      if (predicate(probe)) return i;
    }
    return undefined;
  };
}

function numericOperand(operator: string, path: string, value: BsonValue): Numeric {
  const n = toNumeric(value);
  if (!n) {
    const verb = operator === '$inc' ? 'increment' : 'multiply';
    throw typeMismatch(
      `Cannot ${verb} with non-numeric argument: {${path}: ${formatValue(value, false)}}`,
    );
  }
  return n;
}

function applyArithmetic(
  doc: Document,
  path: string,
  operand: Numeric,
  operator: '$inc' | '$mul',
): void {
  const current = readPath(doc, path);
  if (current === undefined) {
    const zero: Numeric =
      operand.type === 'decimal'
        ? { type: 'decimal', value: 0, text: '0' }
        : operand.type === 'double'
          ? { type: 'double', value: 0 }
          : { type: operand.type, value: 0n };
    writePath(
      doc,
      path,
      fromNumeric(
        operator === '$inc' ? operand : (arithmetic(zero, operand, 'multiply') as Numeric),
      ),
    );
    return;
  }
  const n = toNumeric(current);
  if (!n) {
    throw typeMismatch(
      `Cannot apply ${operator} to a value of non-numeric type. ${idOf(doc)} has the field '${path.split('.').at(-1)}' of non-numeric type ${typeName(current)}`,
    );
  }
  const result = arithmetic(n, operand, operator === '$inc' ? 'add' : 'multiply');
  if (!result) {
    throw badValue(
      `Failed to apply ${operator} operations to current value (${formatValue(current, false)}) for document ${idOf(doc)}`,
    );
  }
  writePath(doc, path, fromNumeric(result));
}

function requireArray(doc: Document, path: string, current: BsonValue): unknown[] {
  if (!Array.isArray(current)) {
    throw badValue(
      `The field '${path}' must be an array but is of type ${typeName(current)} in document ${idOf(doc)}`,
    );
  }
  return current;
}

function eachSpec(value: BsonValue): { items: unknown[]; modifiers: Document | undefined } {
  if (isPlainDocument(value) && '$each' in value) {
    const items = value.$each;
    if (!Array.isArray(items)) {
      throw badValue(
        `The argument to $each in $push must be an array but it was of type: ${typeName(items)}`,
      );
    }
    return { items, modifiers: value };
  }
  return { items: [value], modifiers: undefined };
}

function sortForPush(items: unknown[], spec: BsonValue): unknown[] {
  if (isPlainDocument(spec)) {
    const fields = Object.entries(spec).map(([f, d]) => [f, asNumber(d) ?? 1] as const);
    return [...items].sort((a, b) => {
      for (const [f, d] of fields) {
        const c = compareValues(readPath(a as Document, f), readPath(b as Document, f));
        if (c !== 0) return d < 0 ? -c : c;
      }
      return 0;
    });
  }
  const d = asNumber(spec);
  if (d !== 1 && d !== -1)
    throw badValue(
      'The $sort is invalid: use 1/-1 to sort the whole element, or {field:1/-1} to sort embedded fields',
    );
  return [...items].sort((a, b) => (d < 0 ? -compareValues(a, b) : compareValues(a, b)));
}

function applyPush(doc: Document, path: string, value: BsonValue): void {
  const current = readPath(doc, path);
  const array = current === undefined ? [] : [...requireArray(doc, path, current)];
  const { items, modifiers } = eachSpec(value);
  if (modifiers) {
    for (const key of Object.keys(modifiers)) {
      if (!['$each', '$slice', '$sort', '$position'].includes(key)) {
        throw badValue(`Unrecognized clause in $push: ${key}`);
      }
    }
  }
  const positionRaw = modifiers?.$position;
  let position = positionRaw === undefined ? array.length : (asNumber(positionRaw) ?? array.length);
  if (position < 0) position = Math.max(0, array.length + position);
  position = Math.min(position, array.length);
  let result = [
    ...array.slice(0, position),
    ...items.map((i) => cloneValue(i)),
    ...array.slice(position),
  ];
  if (modifiers && '$sort' in modifiers) result = sortForPush(result, modifiers.$sort);
  if (modifiers && '$slice' in modifiers) {
    const slice = asNumber(modifiers.$slice);
    if (slice === undefined || !Number.isInteger(slice))
      throw badValue('The value for $slice must be an integer value');
    result = slice >= 0 ? result.slice(0, slice) : result.slice(Math.max(0, result.length + slice));
  }
  writePath(doc, path, result);
}

function applyAddToSet(doc: Document, path: string, value: BsonValue): void {
  const current = readPath(doc, path);
  const array = current === undefined ? [] : [...requireArray(doc, path, current)];
  const { items } = eachSpec(value);
  for (const item of items) {
    if (!array.some((e) => valuesEqual(e, item) && bsonTypeOf(e) === bsonTypeOf(item)))
      array.push(cloneValue(item));
  }
  writePath(doc, path, array);
}

function pullMatcher(condition: BsonValue): (element: BsonValue) => boolean {
  if (isPlainDocument(condition)) {
    const keys = Object.keys(condition);
    if (
      keys.length > 0 &&
      keys.every((k) => k.startsWith('$') && !['$and', '$or', '$nor'].includes(k))
    ) {
      const predicate = compileFilter({ v: condition });
      return (element) => predicate({ v: element });
    }
    const predicate: Predicate = compileFilter(condition);
    return (element) => isPlainDocument(element) && predicate(element);
  }
  return (element) =>
    valuesEqual(element, condition) && !Array.isArray(element) === !Array.isArray(condition);
}

function applyPull(doc: Document, path: string, condition: BsonValue, all: boolean): void {
  const current = readPath(doc, path);
  if (current === undefined) return;
  if (!Array.isArray(current)) throw badValue('Cannot apply $pull to a non-array value');
  let matches: (element: BsonValue) => boolean;
  if (all) {
    if (!Array.isArray(condition)) {
      throw badValue(`$pullAll requires an array argument but was given a ${typeName(condition)}`);
    }
    matches = (element) => condition.some((c) => valuesEqual(element, c));
  } else {
    matches = pullMatcher(condition);
  }
  writePath(
    doc,
    path,
    current.filter((e) => !matches(e)),
  );
}

function applyRename(doc: Document, from: string, to: BsonValue): void {
  if (typeof to !== 'string') {
    throw badValue(
      `The 'to' field for $rename must be a string: ${from}: ${formatValue(to, false)}`,
    );
  }
  if (from === to)
    throw badValue(`The source and target field for $rename must differ: ${from}: "${to}"`);
  if (from.includes('$') || to.includes('$'))
    throw badValue('The source and target field for $rename must not contain positional operators');
  const value = readPath(doc, from);
  if (value === undefined) return;
  removePath(doc, from);
  writePath(doc, to, value);
}

function applyOperator(
  doc: Document,
  operator: string,
  path: string,
  value: BsonValue,
  options: UpdateOptions,
): void {
  switch (operator) {
    case '$set':
    case '$setOnInsert':
      writePath(doc, path, cloneValue(value));
      return;
    case '$unset':
      removePath(doc, path);
      return;
    case '$inc':
    case '$mul':
      applyArithmetic(doc, path, numericOperand(operator, path, value), operator);
      return;
    case '$min':
    case '$max': {
      const current = readPath(doc, path);
      const c = current === undefined ? 0 : compareValues(value, current);
      if (current === undefined || (operator === '$min' ? c < 0 : c > 0))
        writePath(doc, path, cloneValue(value));
      return;
    }
    case '$currentDate': {
      let type = 'date';
      if (isPlainDocument(value)) {
        const t = value.$type;
        if (t !== 'date' && t !== 'timestamp') {
          throw badValue(
            "The '$type' string field is required to be 'date' or 'timestamp': {$currentDate: {field : {$type: 'date'}}}",
          );
        }
        type = t;
      } else if (typeof value !== 'boolean') {
        throw badValue(
          `${typeName(value)} is not valid type for $currentDate. Please use a boolean ('true') or a $type expression ({$type: 'timestamp/date'}).`,
        );
      }
      writePath(doc, path, type === 'date' ? new Date(options.now.getTime()) : options.timestamp());
      return;
    }
    case '$push':
      applyPush(doc, path, value);
      return;
    case '$addToSet':
      applyAddToSet(doc, path, value);
      return;
    case '$pull':
      applyPull(doc, path, value, false);
      return;
    case '$pullAll':
      applyPull(doc, path, value, true);
      return;
    case '$pop': {
      const n = asNumber(value);
      if (n !== 1 && n !== -1)
        throw new CommandError(
          ErrorCode.FailedToParse,
          `Expected a number in: ${path}: ${formatValue(value, false)}`,
        );
      const current = readPath(doc, path);
      if (current === undefined) return;
      const array = requireArray(doc, path, current);
      writePath(doc, path, n === 1 ? array.slice(0, -1) : array.slice(1));
      return;
    }
    default:
      throw new CommandError(ErrorCode.FailedToParse, `Unknown modifier: ${operator}`);
  }
}

/** True when two documents serialise to the same bytes (same types, order and values). */
export function sameDocument(a: Document, b: Document): boolean {
  return Buffer.from(serialize(a)).equals(Buffer.from(serialize(b)));
}

function assertIdUnchanged(before: Document, after: Document): void {
  if (before._id === undefined) return;
  if (
    after._id === undefined ||
    !valuesEqual(before._id, after._id) ||
    bsonTypeOf(before._id) !== bsonTypeOf(after._id)
  ) {
    throw new CommandError(
      ErrorCode.ImmutableField,
      "Performing an update on the path '_id' would modify the immutable field '_id'",
    );
  }
}

/**
 * Applies an operator update (`{$set: …, $inc: …}`) to a copy of `doc` with MongoDB's semantics
 * and errors; returns the new document (the input is left untouched).
 */
export function applyOperatorUpdate(
  doc: Document,
  update: Document,
  options: UpdateOptions,
): Document {
  const result = cloneValue(doc);
  const arrayFilters = compileArrayFilters(options.arrayFilters);
  const ctx: PositionalContext = {
    arrayFilters,
    used: new Set(),
    positional: positionalResolver(doc, options.query),
  };
  const planned: Array<[string, string, BsonValue]> = [];
  const allPaths: string[] = [];
  const mentioned = new Set<string>();
  for (const [operator, operand] of Object.entries(update)) {
    for (const [path, value] of operandsOf(operator, operand)) {
      for (const id of pathIdentifiers(path)) mentioned.add(id);
      if (operator === '$setOnInsert' && !options.isInsert) continue;
      if (operator === '$rename') {
        allPaths.push(path);
        if (typeof value === 'string') allPaths.push(value);
        planned.push([operator, path, value]);
        continue;
      }
      for (const concrete of expandPath(result, path, ctx)) {
        allPaths.push(concrete);
        planned.push([operator, concrete, value]);
      }
    }
  }
  for (const id of arrayFilters.keys()) {
    if (!mentioned.has(id)) {
      throw new CommandError(
        ErrorCode.FailedToParse,
        `The array filter for identifier '${id}' was not used in the update ${formatValue(update, true)}`,
      );
    }
  }
  checkConflicts(allPaths);
  for (const [operator, path, value] of planned) {
    if (operator === '$rename') applyRename(result, path, value);
    else applyOperator(result, operator, path, value, options);
  }
  assertIdUnchanged(doc, result);
  return result;
}

/**
 * Applies a replacement document: the result keeps `doc`'s `_id` (first), and a different `_id` in
 * the replacement is MongoDB's ImmutableField error.
 */
export function applyReplacement(doc: Document, replacement: Document): Document {
  if (
    replacement._id !== undefined &&
    doc._id !== undefined &&
    !valuesEqual(replacement._id, doc._id)
  ) {
    throw new CommandError(
      ErrorCode.ImmutableField,
      `After applying the update, the (immutable) field '_id' was found to have been altered to _id: ${formatValue(replacement._id, false)}`,
    );
  }
  const result: Document = {};
  if (doc._id !== undefined) result._id = doc._id;
  for (const [k, v] of Object.entries(replacement)) {
    if (k !== '_id' || doc._id === undefined) setField(result, k, cloneValue(v));
  }
  return result;
}
