import type { Document } from 'bson';
import type { CommandContext } from '../commands/context.js';
import { parseAggregate, runPushdown } from '../commands/crud/aggregate.js';
import { notSupported } from '../errors.js';
import { runPipeline } from '../query/aggregate.js';
import { isPlainDocument } from '../query/bson-types.js';
import { explainQueryCommand, plannerSections, tracedPlan } from './query.js';
import { serverInfo, serverParameters, type Verbosity } from './reply.js';

/**
 * Stages an explain does not describe: those MongoDB 7 runs in its slot-based engine (whose explain
 * has another shape), and those that write or read other collections.
 */
const UNEXPLAINED_STAGES = new Set([
  '$group',
  '$lookup',
  '$bucket',
  '$bucketAuto',
  '$sortByCount',
  '$count',
  '$setWindowFields',
  '$graphLookup',
  '$unionWith',
  '$facet',
  '$out',
  '$merge',
  '$documents',
]);

/**
 * `explain` of an aggregation. A pipeline that is only a query (`$match`, `$sort`, `$skip`,
 * `$limit`) is explained as that query, the way MongoDB pushes it into its query layer; otherwise
 * `stages` lists the query as `$cursor`, then each further stage as given with what it returned.
 */
export function explainAggregate(
  inner: Document,
  context: CommandContext,
  verbosity: Verbosity,
): Document {
  const first = Array.isArray(inner.pipeline) ? (inner.pipeline as unknown[])[0] : undefined;
  if (isPlainDocument(first) && '$changeStream' in first) {
    throw notSupported('explain of a $changeStream aggregate');
  }
  const request = parseAggregate(inner, true);
  const collection = context.engine.collection(context.dbName, request.collectionName);
  const { pushdown } = request;
  if (request.output !== undefined) {
    throw notSupported(`explain of an aggregation with ${Object.keys(request.output)[0]}`);
  }
  if (request.documents !== undefined) throw notSupported('explain of $documents');
  for (const stage of pushdown.rest) {
    const name = Object.keys(stage)[0] ?? '';
    if (UNEXPLAINED_STAGES.has(name)) throw notSupported(`explain of an aggregation with ${name}`);
  }
  let input: Document[] = [];
  const query = {
    filter: pushdown.filter ?? {},
    ...(pushdown.sortSpec ? { sort: pushdown.sortSpec } : {}),
    skip: pushdown.skip,
    ...(pushdown.limit !== undefined ? { limit: pushdown.limit } : {}),
  };
  if (pushdown.rest.length === 0) {
    return explainQueryCommand(
      inner,
      context,
      verbosity,
      collection,
      (trace) => {
        runPushdown(request, collection, trace);
        return { query };
      },
      request.collectionName,
    );
  }
  const traced = tracedPlan(collection, (trace) => {
    input = runPushdown(request, collection, trace);
    return { query };
  });
  const withExecution = verbosity !== 'queryPlanner';
  const cursorStage: Document = {
    $cursor: plannerSections(
      `${context.dbName}.${request.collectionName}`,
      collection,
      traced,
      verbosity,
    ),
  };
  if (withExecution) {
    cursorStage.nReturned = input.length;
    cursorStage.executionTimeMillisEstimate = Math.round(traced.millis);
  }
  const stages: Document[] = [cursorStage];
  const resolve = (name: string) => context.engine.collection(context.dbName, name)?.all() ?? [];
  let docs = input;
  for (const stage of pushdown.rest) {
    docs = runPipeline(docs, [stage], resolve);
    const described: Document = { ...stage };
    if (withExecution) {
      described.nReturned = docs.length;
      described.executionTimeMillisEstimate = 0;
    }
    stages.push(described);
  }
  return {
    explainVersion: '1',
    stages,
    serverInfo: serverInfo(context.server),
    serverParameters: serverParameters(),
    command: { ...inner, $db: context.dbName },
  };
}
