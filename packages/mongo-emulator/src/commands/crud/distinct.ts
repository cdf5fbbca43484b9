import { calculateObjectSize, type Document } from 'bson';
import { badValue, CommandError } from '../../errors.js';
import type { BsonValue } from '../../query/bson-types.js';
import { compareValues } from '../../query/compare.js';
import { keyString } from '../../query/key-string.js';
import { compileFilter } from '../../query/matcher.js';
import { pathValues } from '../../query/path.js';
import type { Collection } from '../../storage/collection.js';
import type { QueryTrace } from '../../storage/query-executor.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { resolveHint } from './hint.js';
import { collectionName } from './namespace.js';
import { checkCollation, checkFields, documentOption } from './options.js';

/** The most bytes of distinct values one reply may hold (mongod's 16 MiB cap). */
const MAX_DISTINCT_SIZE = 16 * 1024 * 1024;

/** A parsed and validated `distinct` command. */
export interface DistinctQuery {
  name: string;
  key: string;
  query: Document | undefined;
  hint: unknown;
}

/** Parses and validates a `distinct` command. */
export function parseDistinct(command: Document, context: CommandContext): DistinctQuery {
  checkFields(command, 'distinct', ['key', 'query', 'hint', 'collation']);
  checkCollation(command.collation);
  const name = collectionName(command, context.dbName);
  const key = command.key;
  if (typeof key !== 'string')
    throw badValue("BSON field 'distinct.key' is missing but a required field");
  if (key === '') throw badValue('FieldPath cannot be constructed with empty string');
  const query = documentOption(command, 'query', 'distinct');
  compileFilter(query);
  return { name, key, query, hint: command.hint };
}

/** The distinct values of a parsed `distinct`, in BSON order. */
export function runDistinct(
  query: DistinctQuery,
  collection: Collection | undefined,
  trace?: QueryTrace,
): BsonValue[] {
  const hint = resolveHint(query.hint, collection);
  const seen = new Map<string, BsonValue>();
  for (const doc of collection ? collection.find(query.query, { hint, trace }) : []) {
    for (const value of pathValues(doc, query.key)) {
      if (value === undefined) continue;
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) {
        const hash = keyString(item);
        if (!seen.has(hash)) seen.set(hash, item);
      }
    }
  }
  return [...seen.values()].sort(compareValues);
}

/** `distinct`: the distinct values of a (dotted) field among the documents matching `query`. */
export const distinct: CommandHandler = (command, context) => {
  const query = parseDistinct(command, context);
  const values = runDistinct(query, context.engine.collection(context.dbName, query.name));
  if (calculateObjectSize({ values }) > MAX_DISTINCT_SIZE) {
    throw new CommandError(17217, 'distinct too big, 16mb cap');
  }
  return { values };
};
