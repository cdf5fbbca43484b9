import type { Document } from 'bson';
import { CommandError, ErrorCode } from '../errors.js';
import { type BsonValue, bsonTypeOf, isPlainDocument } from './bson-types.js';
import { getField } from './fields.js';
import { keyString } from './key-string.js';
import { compileFilter } from './matcher.js';
import { evaluateExpression, type Variables } from './mingo-bridge.js';
import { toNumeric } from './numeric.js';
import { pathValues } from './path.js';
import { assign, structuredCloneDoc } from './stage-paths.js';

/** Resolves a collection of the aggregate's database to its documents. */
type CollectionResolver = (name: string) => Document[];

interface GraphLookupSpec {
  from: string;
  as: string;
  startWith: unknown;
  connectFromField: string;
  connectToField: string;
  depthField: string | undefined;
  maxDepth: bigint | undefined;
  restrictSearchWithMatch: Document | undefined;
}

function located(code: number, message: string): CommandError {
  return new CommandError(code, message, { codeName: `Location${code}` });
}

const STRING_ARGUMENTS = new Set([
  'from',
  'as',
  'connectFromField',
  'connectToField',
  'depthField',
]);

/** Parses a `$graphLookup` specification with MongoDB's checks and error codes. */
function parseSpec(spec: BsonValue, variables: Variables | undefined): GraphLookupSpec {
  if (!isPlainDocument(spec)) {
    throw new CommandError(
      ErrorCode.FailedToParse,
      `the $graphLookup stage specification must be an object, but found ${bsonTypeOf(spec)}`,
    );
  }
  if (!Object.hasOwn(spec, 'from')) {
    throw new CommandError(
      ErrorCode.FailedToParse,
      "missing 'from' option to $graphLookup stage specification",
    );
  }
  const parsed: Partial<GraphLookupSpec> = {};
  let hasStartWith = false;
  for (const [name, value] of Object.entries(spec)) {
    if (name === 'startWith') {
      parsed.startWith = value;
      hasStartWith = true;
    } else if (name === 'maxDepth') {
      const n = toNumeric(value);
      if (n === undefined) {
        throw located(40100, `maxDepth must be numeric, found type: ${bsonTypeOf(value)}`);
      }
      if (Number(n.value) < 0) {
        throw located(40101, `maxDepth requires a nonnegative argument, found: ${Number(n.value)}`);
      }
      if (typeof n.value === 'number' && !Number.isInteger(n.value)) {
        throw located(
          40102,
          `maxDepth could not be represented as a long long: ${Math.trunc(n.value)}`,
        );
      }
      parsed.maxDepth = BigInt(n.value);
    } else if (name === 'restrictSearchWithMatch') {
      if (!isPlainDocument(value)) {
        throw located(
          40185,
          `restrictSearchWithMatch must be an object, found ${bsonTypeOf(value)}`,
        );
      }
      compileFilter(value, variables);
      parsed.restrictSearchWithMatch = value;
    } else if (STRING_ARGUMENTS.has(name)) {
      if (typeof value !== 'string') {
        if (name === 'from') {
          throw new CommandError(
            ErrorCode.FailedToParse,
            `$graphLookup 'from' field must be a string, but found ${bsonTypeOf(value)}`,
          );
        }
        throw located(
          40103,
          `expected string as argument for ${name}, found: ${bsonTypeOf(value)}`,
        );
      }
      (parsed as Record<string, unknown>)[name] = value;
    } else {
      throw located(40104, `Unknown argument to $graphLookup: ${name}`);
    }
  }
  if (
    !parsed.from ||
    !parsed.as ||
    !hasStartWith ||
    !parsed.connectFromField ||
    !parsed.connectToField
  ) {
    throw located(
      40105,
      "$graphLookup requires 'from', 'as', 'startWith', 'connectFromField', and 'connectToField' to be specified.",
    );
  }
  return parsed as GraphLookupSpec;
}

/** Every value a path reaches, arrays contributing their elements (MongoDB's visitAllValuesAtPath). */
function valuesAt(doc: Document, path: string): BsonValue[] {
  const out: BsonValue[] = [];
  for (const value of pathValues(doc, path)) {
    if (Array.isArray(value)) out.push(...value);
    else if (value !== undefined) out.push(value);
  }
  return out;
}

/**
 * The `from` documents that pass `restrictSearchWithMatch`, by the key of each `connectToField`
 * value (and of each element of an array value) — what `{connectToField: {$in: [value]}}` finds.
 */
function connectIndex(
  foreign: Document[],
  spec: GraphLookupSpec,
  variables: Variables | undefined,
) {
  const restrict = compileFilter(spec.restrictSearchWithMatch, variables);
  const index = new Map<string, Document[]>();
  const add = (key: string, doc: Document) => {
    const list = index.get(key);
    if (list === undefined) index.set(key, [doc]);
    else if (list[list.length - 1] !== doc) list.push(doc);
  };
  for (const doc of foreign) {
    if (!restrict(doc)) continue;
    for (const value of pathValues(doc, spec.connectToField)) {
      if (value === undefined || bsonTypeOf(value) === 'undefined') continue;
      add(keyString(value), doc);
      if (Array.isArray(value)) for (const element of value) add(keyString(element), doc);
    }
  }
  return index;
}

/**
 * `$graphLookup`: for each input document, a breadth-first search of the `from` collection from
 * the `startWith` values, following `connectFromField` to `connectToField`, each document found
 * once (by `_id`), with its depth in `depthField` (a long) and up to `maxDepth`.
 */
export function graphLookup(
  docs: Document[],
  specValue: BsonValue,
  resolve: CollectionResolver,
  variables: Variables | undefined,
): Document[] {
  const spec = parseSpec(specValue, variables);
  const foreign = resolve(spec.from);
  const index = connectIndex(foreign, spec, variables);
  return docs.map((doc) => {
    const start = evaluateExpression(spec.startWith, doc, variables);
    let frontier: BsonValue[] = Array.isArray(start) ? start : [start];
    const queried = new Set<string>();
    const visited = new Map<string, Document>();
    let depth = 0n;
    for (;;) {
      const next: BsonValue[] = [];
      let added = false;
      for (const value of frontier) {
        if (value === undefined) continue;
        const key = keyString(value);
        if (queried.has(key)) continue;
        queried.add(key);
        for (const found of index.get(key) ?? []) {
          if (!Object.hasOwn(found, '_id')) {
            throw located(
              40271,
              `Documents in the '${spec.from}' namespace must contain an _id for de-duplication in $graphLookup`,
            );
          }
          const id = keyString(getField(found, '_id'));
          if (visited.has(id)) continue;
          let result = found;
          if (spec.depthField !== undefined) {
            result = structuredCloneDoc(found);
            assign(result, spec.depthField, depth);
          }
          visited.set(id, result);
          added = true;
          next.push(...valuesAt(found, spec.connectFromField));
        }
      }
      depth += 1n;
      if (!added || (spec.maxDepth !== undefined && depth > spec.maxDepth)) break;
      frontier = next;
    }
    const out = structuredCloneDoc(doc);
    assign(out, spec.as, [...visited.values()]);
    return out;
  });
}
