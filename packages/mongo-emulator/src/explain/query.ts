import { performance } from 'node:perf_hooks';
import type { Document } from 'bson';
import type { CommandContext } from '../commands/context.js';
import { isPlainDocument } from '../query/bson-types.js';
import { getField, setField } from '../query/fields.js';
import type { Collection } from '../storage/collection.js';
import type { Index } from '../storage/index.js';
import { newTrace, type QueryTrace } from '../storage/query-executor.js';
import {
  executionStatsSection,
  queryPlannerSection,
  serverInfo,
  serverParameters,
  type Verbosity,
} from './reply.js';
import { type ExplainedQuery, eofStage, queryStages, type Stage } from './stages.js';

/** What running an explained command's query produced: its shape, and the stage above its plan. */
export interface QueryRun {
  query: Omit<ExplainedQuery, 'trace' | 'multikeyPaths'>;
  /** Puts the command's own stage (COUNT, UPDATE, DELETE) above the query plan. */
  wrap?: (plan: Stage) => Stage;
}

/** Adds to `into` the prefixes of `path` whose value is an array in `doc`. */
function arrayPrefixes(doc: unknown, parts: string[], depth: number, into: Set<string>): void {
  if (depth >= parts.length || !isPlainDocument(doc)) return;
  const child = getField(doc, parts[depth] as string);
  if (Array.isArray(child)) {
    into.add(parts.slice(0, depth + 1).join('.'));
    for (const element of child) arrayPrefixes(element, parts, depth + 1, into);
  } else {
    arrayPrefixes(child, parts, depth + 1, into);
  }
}

/** IXSCAN's `multiKeyPaths` of a collection's index: per key field, the paths that hold arrays. */
export function multikeyPathsOf(collection: Collection): (index: Index) => Document {
  return (index) => {
    const found = index.fields.map(() => new Set<string>());
    if (index.multikey) {
      for (const doc of collection.all()) {
        index.fields.forEach((field, i) => {
          arrayPrefixes(doc, field.split('.'), 0, found[i] as Set<string>);
        });
      }
    }
    const out: Document = {};
    index.fields.forEach((field, i) => {
      setField(
        out,
        field,
        [...(found[i] as Set<string>)].sort((a, b) => a.length - b.length),
      );
    });
    return out;
  };
}

/** Runs `run` with a trace and builds the plan tree of what it did. */
export function tracedPlan(
  collection: Collection | undefined,
  run: (trace: QueryTrace) => QueryRun,
): { plan: Stage; query: QueryRun['query']; millis: number } {
  const trace = newTrace();
  const start = performance.now();
  const result = run(trace);
  const millis = performance.now() - start;
  let plan = collection
    ? queryStages({ ...result.query, trace, multikeyPaths: multikeyPathsOf(collection) })
    : eofStage();
  if (result.wrap) plan = result.wrap(plan);
  return { plan, query: result.query, millis };
}

/** The `queryPlanner` (and `executionStats`) of one traced query. */
export function plannerSections(
  ns: string,
  collection: Collection | undefined,
  traced: { plan: Stage; query: QueryRun['query']; millis: number },
  verbosity: Verbosity,
): Document {
  const sections: Document = {
    queryPlanner: queryPlannerSection({
      ns,
      filter: traced.query.filter,
      ...(traced.query.sort ? { sort: traced.query.sort } : {}),
      ...(traced.query.projection ? { projection: traced.query.projection } : {}),
      indexNames: collection?.indexes.map((index) => index.name) ?? [],
      plan: traced.plan,
    }),
  };
  if (verbosity !== 'queryPlanner') {
    sections.executionStats = executionStatsSection(traced.plan, traced.millis, verbosity);
  }
  return sections;
}

/**
 * The explain reply of a command that is one query (`find`, `count`, `distinct`, the writes, and
 * an aggregation that is only a query): `explainVersion`, `queryPlanner`, `executionStats` (unless
 * the verbosity is `queryPlanner`), `command`, `serverInfo`, `serverParameters`.
 */
export function explainQueryCommand(
  inner: Document,
  context: CommandContext,
  verbosity: Verbosity,
  collection: Collection | undefined,
  run: (trace: QueryTrace) => QueryRun,
  collectionName: string,
): Document {
  const traced = tracedPlan(collection, run);
  return {
    explainVersion: '1',
    ...plannerSections(`${context.dbName}.${collectionName}`, collection, traced, verbosity),
    command: { ...inner, $db: context.dbName },
    serverInfo: serverInfo(context.server),
    serverParameters: serverParameters(),
  };
}
