import type { Document } from 'bson';
import { compileFilter } from '../../query/matcher.js';
import type { Collection } from '../../storage/collection.js';
import type { QueryTrace } from '../../storage/query-executor.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { resolveHint } from './hint.js';
import { collectionName } from './namespace.js';
import {
  checkCollation,
  checkFields,
  documentOption,
  intOption,
  nonNegativeOption,
} from './options.js';

/** A parsed and validated `count` command. */
export interface CountQuery {
  name: string;
  query: Document | undefined;
  skip: number;
  /** 0: no limit. */
  limit: number;
  hint: unknown;
}

/** Parses and validates a `count` command. */
export function parseCount(command: Document, context: CommandContext): CountQuery {
  checkFields(command, 'count', ['query', 'skip', 'limit', 'hint', 'collation', 'fields']);
  checkCollation(command.collation);
  const name = collectionName(command, context.dbName);
  const query = documentOption(command, 'query', 'count');
  compileFilter(query);
  return {
    name,
    query,
    skip: nonNegativeOption(command, 'skip', 'count') ?? 0,
    limit: Math.abs(intOption(command, 'limit', 'count') ?? 0),
    hint: command.hint,
  };
}

/** True when a count reads the collection's size instead of running a query. */
export function isFastCount(query: CountQuery): boolean {
  return (
    (query.query === undefined || Object.keys(query.query).length === 0) && query.hint === undefined
  );
}

/** Counts what a parsed `count` matches, after its skip and limit. */
export function runCount(
  query: CountQuery,
  collection: Collection | undefined,
  trace?: QueryTrace,
): number {
  const hint = resolveHint(query.hint, collection);
  if (!collection) return 0;
  let n = isFastCount(query)
    ? collection.size
    : collection.find(query.query, { hint, trace }).length;
  n = Math.max(0, n - query.skip);
  if (query.limit > 0) n = Math.min(n, query.limit);
  return n;
}

/** `count` (`estimatedDocumentCount` and legacy counts): query, skip, limit, hint. */
export const count: CommandHandler = (command, context) => {
  const query = parseCount(command, context);
  return { n: runCount(query, context.engine.collection(context.dbName, query.name)) };
};
