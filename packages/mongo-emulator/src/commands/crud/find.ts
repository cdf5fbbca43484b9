import type { Document } from 'bson';
import { arraySource } from '../../cursors.js';
import { compileFilter } from '../../query/matcher.js';
import type { Variables } from '../../query/mingo-bridge.js';
import { compileProjection, type Projector } from '../../query/projection.js';
import { parseSort, type SortField } from '../../query/sort.js';
import type { Collection } from '../../storage/collection.js';
import type { QueryTrace } from '../../storage/query-executor.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { resolveHint } from './hint.js';
import { collectionName } from './namespace.js';
import {
  boolOption,
  checkCollation,
  checkFields,
  documentOption,
  nonNegativeOption,
  parseLet,
} from './options.js';

/** MongoDB's default first batch size for `find` and `aggregate`. */
export const DEFAULT_FIRST_BATCH = 101;

/** A parsed and validated `find` command. */
export interface FindQuery {
  name: string;
  filter: Document | undefined;
  sortSpec: Document | undefined;
  sort: SortField[] | undefined;
  projectionSpec: Document | undefined;
  projector: Projector | undefined;
  skip: number;
  /** 0: no limit. */
  limit: number;
  batchSize: number | undefined;
  singleBatch: boolean;
  hint: unknown;
  variables: Variables | undefined;
}

/** Parses and validates a `find` command (the filter is compiled, so it is checked here too). */
export function parseFind(command: Document, context: CommandContext): FindQuery {
  checkFields(
    command,
    'find',
    [
      'filter',
      'sort',
      'projection',
      'skip',
      'limit',
      'batchSize',
      'singleBatch',
      'hint',
      'collation',
      'let',
      'allowDiskUse',
      'noCursorTimeout',
      'allowPartialResults',
      'readOnce',
      'awaitData',
    ],
    ['min', 'max', 'returnKey', 'showRecordId', 'tailable', 'oplogReplay', 'ntoreturn'],
  );
  const variables = parseLet(command, 'find');
  checkCollation(command.collation);
  const name = collectionName(command, context.dbName);
  const filter = documentOption(command, 'filter', 'find');
  compileFilter(filter, variables);
  const sortSpec = documentOption(command, 'sort', 'find');
  const projectionSpec = documentOption(command, 'projection', 'find');
  return {
    name,
    filter,
    sortSpec,
    sort: parseSort(sortSpec),
    projectionSpec,
    projector: compileProjection(projectionSpec, filter),
    skip: nonNegativeOption(command, 'skip', 'find') ?? 0,
    limit: nonNegativeOption(command, 'limit', 'find') ?? 0,
    batchSize: nonNegativeOption(command, 'batchSize', 'find'),
    singleBatch: boolOption(command, 'singleBatch', 'find') ?? false,
    hint: command.hint,
    variables,
  };
}

/** Runs a parsed `find` on a collection: its results after skip, limit and projection. */
export function runFind(
  query: FindQuery,
  collection: Collection | undefined,
  trace?: QueryTrace,
): Document[] {
  const hint = resolveHint(query.hint, collection);
  if (!collection) return [];
  const { skip, limit } = query;
  let docs = collection.find(query.filter, {
    sort: query.sort,
    limit: limit > 0 ? skip + limit : undefined,
    hint,
    trace,
    variables: query.variables,
  });
  docs = docs.slice(skip, limit > 0 ? skip + limit : undefined);
  return query.projector ? docs.map(query.projector) : docs;
}

/** `find`: filter, sort, projection, skip, limit, batchSize, singleBatch, hint. */
export const find: CommandHandler = async (command, context) => {
  const query = parseFind(command, context);
  const docs = runFind(query, context.engine.collection(context.dbName, query.name));
  const { limit, batchSize } = query;
  const firstBatch = Math.min(
    batchSize ?? DEFAULT_FIRST_BATCH,
    limit > 0 ? limit : Number.MAX_SAFE_INTEGER,
  );
  const cursor = await context.cursors.open(`${context.dbName}.${query.name}`, arraySource(docs), {
    batchSize: firstBatch,
    singleBatch: query.singleBatch || (limit > 0 && firstBatch >= limit),
    lsid: context.lsid,
  });
  return { cursor };
};
