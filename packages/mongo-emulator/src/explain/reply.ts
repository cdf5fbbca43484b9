import type { Document } from 'bson';
import { EMULATED_SERVER_VERSION, GIT_VERSION } from '../commands/admin/server-info.js';
import type { ServerFacts } from '../commands/context.js';
import { keyString } from '../query/key-string.js';
import { crc32c } from '../wire/crc32c.js';
import { parsedQuery } from './parsed-query.js';
import { renderStage, type Stage } from './stages.js';

/** How much `explain` reports: the plan, its execution counts, and (here the same) all plans'. */
export type Verbosity = 'queryPlanner' | 'executionStats' | 'allPlansExecution';

/** The server parameters MongoDB 7.0 lists in every explain. */
const SERVER_PARAMETERS: Document = {
  internalQueryFacetBufferSizeBytes: 104_857_600,
  internalQueryFacetMaxOutputDocSizeBytes: 104_857_600,
  internalLookupStageIntermediateDocumentMaxSizeBytes: 104_857_600,
  internalDocumentSourceGroupMaxMemoryBytes: 104_857_600,
  internalQueryMaxBlockingSortMemoryUsageBytes: 104_857_600,
  internalQueryProhibitBlockingMergeOnMongoS: 0,
  internalQueryMaxAddToSetBytes: 104_857_600,
  internalDocumentSourceSetWindowFieldsMaxMemoryBytes: 104_857_600,
  internalQueryFrameworkControl: 'trySbeRestricted',
};

function hash8(text: string): string {
  return crc32c(Buffer.from(text, 'utf8')).toString(16).toUpperCase().padStart(8, '0');
}

/** The shape of a query (paths and operators, not values), as the plan cache keys it. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(shapeOf);
  if (
    value !== null &&
    typeof value === 'object' &&
    !('_bsontype' in value) &&
    !(value instanceof Date)
  ) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, shapeOf(item)]));
  }
  return '?';
}

/** What `queryPlanner` describes. */
export interface PlannerFacts {
  ns: string;
  filter: Document;
  sort?: Document;
  projection?: Document;
  /** Names of the collection's indexes (they key the plan cache). */
  indexNames: readonly string[];
  plan: Stage;
}

/** The `queryPlanner` section, fields in MongoDB 7's order. */
export function queryPlannerSection(facts: PlannerFacts): Document {
  const shape = keyString(
    shapeOf({ filter: facts.filter, sort: facts.sort, projection: facts.projection }),
  );
  return {
    namespace: facts.ns,
    indexFilterSet: false,
    parsedQuery: parsedQuery(facts.filter),
    queryHash: hash8(shape),
    planCacheKey: hash8(`${shape}|${facts.indexNames.join(',')}`),
    maxIndexedOrSolutionsReached: false,
    maxIndexedAndSolutionsReached: false,
    maxScansToExplodeReached: false,
    winningPlan: renderStage(facts.plan, false),
    rejectedPlans: [],
  };
}

/** The sums over a plan tree that `executionStats` reports at its top. */
function totals(node: Stage): { keys: number; docs: number } {
  let keys =
    typeof node.executionDetails.keysExamined === 'number' ? node.executionDetails.keysExamined : 0;
  let docs =
    typeof node.executionDetails.docsExamined === 'number' ? node.executionDetails.docsExamined : 0;
  for (const child of node.children) {
    const sub = totals(child);
    keys += sub.keys;
    docs += sub.docs;
  }
  return { keys, docs };
}

/** The `executionStats` section of a plan that ran (`nReturned` is what the root returned). */
export function executionStatsSection(plan: Stage, millis: number, verbosity: Verbosity): Document {
  const { keys, docs } = totals(plan);
  const section: Document = {
    executionSuccess: true,
    nReturned: plan.nReturned,
    executionTimeMillis: Math.round(millis),
    totalKeysExamined: keys,
    totalDocsExamined: docs,
    executionStages: renderStage(plan, true),
  };
  if (verbosity === 'allPlansExecution') section.allPlansExecution = [];
  return section;
}

/** `serverInfo`. */
export function serverInfo(server: ServerFacts): Document {
  return {
    host: server.host,
    port: server.port,
    version: EMULATED_SERVER_VERSION,
    gitVersion: GIT_VERSION,
  };
}

/** `serverParameters`. */
export function serverParameters(): Document {
  return { ...SERVER_PARAMETERS };
}
