import type { Document } from 'bson';
import { setField } from '../query/fields.js';
import { formatValue } from '../query/format.js';
import { isOperatorObject } from '../query/operator-object.js';
import { isRegexValue } from '../query/regex.js';
import type { Index } from '../storage/index.js';
import type { SinglePlan } from '../storage/planner.js';
import type { QueryTrace } from '../storage/query-executor.js';
import { formatIndexBounds } from './index-bounds.js';
import { parsedQuery } from './parsed-query.js';
import { residualFilter } from './residual.js';

/** MongoDB's in-memory sort limit (`internalQueryMaxBlockingSortMemoryUsageBytes`), shown by SORT. */
export const SORT_MEMORY_LIMIT = 104_857_600;

/**
 * One stage of a plan tree, as `explain` prints it: the planner's fields (`stage`, `filter`,
 * stage-specific fields), and the counts of what it did for `executionStats`.
 */
export interface Stage {
  stage: string;
  filter?: Document;
  /** Fields shown at every verbosity, after the execution counts. */
  details: Document;
  /** Fields shown with `executionStats`, after `details`. */
  executionDetails: Document;
  nReturned: number;
  /** Calls of the stage (each returns a result, needs more time, or ends). */
  works: number;
  isEOF: boolean;
  children: Stage[];
}

function stage(
  name: string,
  details: Document,
  counts: { nReturned: number; works: number; isEOF: boolean },
  children: Stage[] = [],
  executionDetails: Document = {},
): Stage {
  return { stage: name, details, executionDetails, ...counts, children };
}

/** What a query's explain is built from: its shape and what it did. */
export interface ExplainedQuery {
  filter: Document;
  /** The sort document as given (SORT's `sortPattern`). */
  sort?: Document;
  skip: number;
  /** 0 or undefined: no limit. */
  limit?: number;
  /** True when the command's own stage stops at the limit (findAndModify): no LIMIT stage. */
  limitInWrite?: boolean;
  /** The projection as given (`transformBy`), when the query has one. */
  projection?: Document;
  trace: QueryTrace;
  /** Index key paths that hold arrays, per index (IXSCAN's `multiKeyPaths`). */
  multikeyPaths: (index: Index) => Document;
}

function isSimpleIdQuery(filter: Document): boolean {
  const keys = Object.keys(filter);
  if (keys.length !== 1 || keys[0] !== '_id') return false;
  const value = filter._id;
  return !isOperatorObject(value) && !isRegexValue(value);
}

function indexScan(
  single: SinglePlan & { kind: 'index' },
  keys: number,
  eof: boolean,
  query: ExplainedQuery,
): Stage {
  const { index } = single;
  const details: Document = {
    keyPattern: index.spec.key,
    indexName: index.name,
    isMultiKey: index.multikey,
    multiKeyPaths: query.multikeyPaths(index),
    isUnique: index.unique,
    isSparse: index.sparse,
    isPartial: index.partialFilter !== undefined,
    indexVersion: 2,
    direction: single.reverse ? 'backward' : 'forward',
    indexBounds: formatIndexBounds(index, single.scans, single.reverse),
  };
  const scan = stage('IXSCAN', details, { nReturned: keys, works: keys + 1, isEOF: eof }, [], {
    keysExamined: keys,
    seeks: Math.max(1, single.scans.length),
    dupsTested: index.multikey ? keys : 0,
    dupsDropped: 0,
  });
  if (single.keyFilter !== undefined) scan.filter = parsedQuery(single.keyFilter);
  return scan;
}

/** The `_id_` index read by `_id` values (the emulator's hash lookups). */
function idScan(ids: unknown[], keys: number): Stage {
  const bounds: Document = {};
  setField(
    bounds,
    '_id',
    ids.map((id) => {
      const text = formatValue(id, true);
      return `[${text}, ${text}]`;
    }),
  );
  const details: Document = {
    keyPattern: { _id: 1 },
    indexName: '_id_',
    isMultiKey: false,
    multiKeyPaths: { _id: [] },
    isUnique: true,
    isSparse: false,
    isPartial: false,
    indexVersion: 2,
    direction: 'forward',
    indexBounds: bounds,
  };
  return stage('IXSCAN', details, { nReturned: keys, works: keys + 1, isEOF: true }, [], {
    keysExamined: keys,
    seeks: Math.max(1, ids.length),
    dupsTested: 0,
    dupsDropped: 0,
  });
}

function fetchStage(
  filter: Document | undefined,
  docs: number,
  matched: number,
  child: Stage,
): Stage {
  const fetch = stage(
    'FETCH',
    {},
    { nReturned: matched, works: child.works, isEOF: child.isEOF },
    [child],
    { docsExamined: docs, alreadyHasObj: 0 },
  );
  if (filter !== undefined) fetch.filter = filter;
  return fetch;
}

/** The stages that read a query's candidates (COLLSCAN, IDHACK, or index scans under FETCH). */
function accessStages(query: ExplainedQuery, residual: Document | undefined): Stage {
  const { trace } = query;
  const eof = !trace.stoppedEarly;
  if (trace.access.kind === 'scan') {
    const scan = stage(
      'COLLSCAN',
      { direction: trace.access.direction > 0 ? 'forward' : 'backward' },
      { nReturned: trace.matched, works: trace.docsExamined + 1, isEOF: eof },
      [],
      { docsExamined: trace.docsExamined },
    );
    if (residual !== undefined) scan.filter = residual;
    return scan;
  }
  const plan = trace.access.plan;
  if (plan.kind === 'ids' && isSimpleIdQuery(query.filter)) {
    return stage('IDHACK', {}, { nReturned: trace.matched, works: 1, isEOF: true }, [], {
      keysExamined: trace.keysExamined[0] ?? 0,
      docsExamined: trace.docsExamined,
    });
  }
  if (plan.kind === 'union') {
    const branches = plan.plans.map((single, i) =>
      branchScan(single, trace.keysExamined[i] ?? 0, eof, query),
    );
    const tested = branches.reduce((sum, branch) => sum + branch.nReturned, 0);
    const or = stage(
      'OR',
      {},
      { nReturned: trace.docsExamined, works: tested + 1, isEOF: eof },
      branches,
      { dupsTested: tested, dupsDropped: Math.max(0, tested - trace.docsExamined) },
    );
    return fetchStage(residual, trace.docsExamined, trace.matched, or);
  }
  return fetchStage(
    residual,
    trace.docsExamined,
    trace.matched,
    branchScan(plan, trace.keysExamined[0] ?? 0, eof, query),
  );
}

function branchScan(single: SinglePlan, keys: number, eof: boolean, query: ExplainedQuery): Stage {
  return single.kind === 'ids' ? idScan(single.ids, keys) : indexScan(single, keys, eof, query);
}

/**
 * The plan tree of a query (`find`, the query part of `count`, `distinct`, `findAndModify`,
 * `update`, `delete`, and a pipeline's leading `$match`/`$sort`): how the candidates were read,
 * then the in-memory SORT (with its limit), SKIP, PROJECTION and LIMIT stages MongoDB's classic
 * engine puts above them.
 */
export function queryStages(query: ExplainedQuery): Stage {
  const access = query.trace.access;
  const filter = residualFilter(query.filter, access.kind === 'plan' ? access.plan : undefined);
  let root = accessStages(query, filter);
  const limit = query.limit !== undefined && query.limit > 0 ? query.limit : undefined;
  let returned = root.nReturned;
  let limitInSort = false;
  if (query.sort !== undefined && query.trace.sortedInMemory) {
    const details: Document = { sortPattern: query.sort, memLimit: SORT_MEMORY_LIMIT };
    if (limit !== undefined) {
      details.limitAmount = query.skip + limit;
      limitInSort = true;
      returned = Math.min(returned, query.skip + limit);
    }
    details.type = 'simple';
    root = stage(
      'SORT',
      details,
      { nReturned: returned, works: root.works + returned + 1, isEOF: true },
      [root],
      {
        totalDataSizeSorted: 0,
        usedDisk: false,
        spills: 0,
      },
    );
  }
  if (query.skip > 0) {
    returned = Math.max(0, returned - query.skip);
    root = stage(
      'SKIP',
      { skipAmount: query.skip },
      { nReturned: returned, works: root.works, isEOF: root.isEOF },
      [root],
    );
  }
  if (query.projection !== undefined && Object.keys(query.projection).length > 0) {
    root = stage(
      isSimpleProjection(query.projection) ? 'PROJECTION_SIMPLE' : 'PROJECTION_DEFAULT',
      { transformBy: query.projection },
      { nReturned: returned, works: root.works, isEOF: root.isEOF },
      [root],
    );
  }
  if (limit !== undefined && !limitInSort && query.limitInWrite !== true) {
    returned = Math.min(returned, limit);
    root = stage(
      'LIMIT',
      { limitAmount: limit },
      { nReturned: returned, works: root.works, isEOF: true },
      [root],
    );
  }
  return root;
}

/** PROJECTION_SIMPLE: inclusion or exclusion of top-level fields only (no paths or operators). */
function isSimpleProjection(projection: Document): boolean {
  return Object.entries(projection).every(
    ([path, value]) => !path.includes('.') && (value === null || typeof value !== 'object'),
  );
}

/** A write's stage (UPDATE or DELETE) above the plan of its query. */
export function writeStage(name: 'UPDATE' | 'DELETE', input: Stage, counts: Document): Stage {
  return stage(name, {}, { nReturned: 0, works: input.works + 1, isEOF: true }, [input], counts);
}

/** The plan of a collection that does not exist. */
export function eofStage(): Stage {
  return stage('EOF', {}, { nReturned: 0, works: 1, isEOF: true });
}

/** COUNT above a query plan; RECORD_STORE_FAST_COUNT for a count without a query. */
export function countStage(input: Stage | undefined, counted: number, skipped: number): Stage {
  if (input === undefined) {
    return stage('RECORD_STORE_FAST_COUNT', {}, { nReturned: 0, works: 1, isEOF: true }, [], {
      nCounted: counted,
      nSkipped: skipped,
    });
  }
  return stage('COUNT', {}, { nReturned: 0, works: input.works + 1, isEOF: true }, [input], {
    nCounted: counted,
    nSkipped: skipped,
  });
}

/**
 * Renders a stage tree: the planner's view (`winningPlan`), or with its execution counts
 * (`executionStages`), fields in MongoDB's order.
 */
export function renderStage(node: Stage, withExecution: boolean): Document {
  const out: Document = { stage: node.stage };
  if (node.filter !== undefined) out.filter = node.filter;
  if (withExecution) {
    out.nReturned = node.nReturned;
    out.executionTimeMillisEstimate = 0;
    out.works = node.works;
    out.advanced = node.nReturned;
    out.needTime = Math.max(0, node.works - node.nReturned - (node.isEOF ? 1 : 0));
    out.needYield = 0;
    out.saveState = 0;
    out.restoreState = 0;
    out.isEOF = node.isEOF ? 1 : 0;
  }
  Object.assign(out, node.details);
  if (withExecution) Object.assign(out, node.executionDetails);
  if (node.children.length === 1) {
    out.inputStage = renderStage(node.children[0] as Stage, withExecution);
  } else if (node.children.length > 1) {
    out.inputStages = node.children.map((child) => renderStage(child, withExecution));
  }
  return out;
}
