import type { Document } from 'bson';
import { openChangeStream } from '../../changestreams/open.js';
import { arraySource } from '../../cursors.js';
import { CommandError, ErrorCode, notSupported } from '../../errors.js';
import { explainAggregate } from '../../explain/aggregate.js';
import { type PipelinePushdown, runPipeline, splitPushdown } from '../../query/aggregate.js';
import { isPlainDocument } from '../../query/bson-types.js';
import { evaluateExpression, type Variables } from '../../query/mingo-bridge.js';
import type { Collection } from '../../storage/collection.js';
import type { QueryTrace } from '../../storage/query-executor.js';
import { numericValue } from '../admin/numbers.js';
import type { CommandHandler } from '../context.js';
import { OUTPUT_STAGES, runMerge, runOut } from './aggregate-output.js';
import { DEFAULT_FIRST_BATCH } from './find.js';
import { resolveHint } from './hint.js';
import {
  arrayField,
  boolOption,
  checkCollation,
  checkFields,
  nonNegativeOption,
  parseLet,
} from './options.js';

/** A parsed and validated `aggregate` on a collection (not a change stream). */
export interface AggregateRequest {
  collectionName: string;
  pipeline: Document[];
  /** The pipeline's query prefix, run through the collection's indexes, and the rest. */
  pushdown: PipelinePushdown;
  /** A last `$out` or `$merge` stage, which writes the output. */
  output: Document | undefined;
  /** `aggregate: 1` starting with `$documents`: the documents it lists. */
  documents: Document[] | undefined;
  hint: unknown;
  variables: Variables | undefined;
  bypassDocumentValidation: boolean;
}

/** Parses and validates an `aggregate` (`cursor` is required unless it is explained). */
export function parseAggregate(command: Document, explaining = false): AggregateRequest {
  const pipeline = arrayField(command, 'pipeline', 'aggregate') as Document[];
  checkFields(
    command,
    'aggregate',
    [
      'pipeline',
      'cursor',
      'allowDiskUse',
      'collation',
      'hint',
      'let',
      'bypassDocumentValidation',
      'explain',
    ],
    ['exchange', 'isMapReduceCommand', 'fromMongos', 'needsMerge'],
  );
  const variables = parseLet(command, 'aggregate');
  checkCollation(command.collation);
  const target = command.aggregate;
  let stages = pipeline;
  let documents: Document[] | undefined;
  if (typeof target !== 'string') {
    if (target !== 1 && numericValue(target) !== 1) {
      throw new CommandError(ErrorCode.InvalidNamespace, 'Invalid aggregate namespace');
    }
    const first = pipeline[0];
    if (!(isPlainDocument(first) && Object.keys(first)[0] === '$documents')) {
      throw notSupported('database-level aggregate without a first $documents stage');
    }
    documents = listedDocuments(first.$documents, variables);
    stages = pipeline.slice(1);
  }
  if (!explaining && !isPlainDocument(command.cursor)) {
    throw new CommandError(
      ErrorCode.FailedToParse,
      "The 'cursor' option is required, except for aggregate with the explain argument",
    );
  }
  pipeline.slice(1).forEach((stage) => {
    if (isPlainDocument(stage) && '$changeStream' in stage) {
      throw new CommandError(
        40602,
        '$changeStream is only valid as the first stage in a pipeline',
        {
          codeName: 'Location40602',
        },
      );
    }
  });
  const last = stages[stages.length - 1];
  const output =
    isPlainDocument(last) && OUTPUT_STAGES.has(Object.keys(last)[0] ?? '') ? last : undefined;
  if (output) stages = stages.slice(0, -1);
  return {
    collectionName: typeof target === 'string' ? target : '$cmd.aggregate',
    pipeline,
    pushdown: documents
      ? {
          filter: undefined,
          sort: undefined,
          sortSpec: undefined,
          skip: 0,
          limit: undefined,
          rest: stages,
        }
      : splitPushdown(stages, variables),
    output,
    documents,
    hint: command.hint,
    variables,
    bypassDocumentValidation: boolOption(command, 'bypassDocumentValidation', 'aggregate') ?? false,
  };
}

/**
 * The documents of a `$documents` stage: an expression (commonly a literal array) that evaluates
 * to an array of documents. Anything else answers not supported.
 */
function listedDocuments(spec: unknown, variables: Variables | undefined): Document[] {
  const value = evaluateExpression(spec, {}, variables);
  if (!Array.isArray(value) || !value.every((doc) => isPlainDocument(doc))) {
    throw notSupported('$documents with anything but an array of documents');
  }
  return value as Document[];
}

/** The documents the pipeline's query prefix yields (through the collection's indexes). */
export function runPushdown(
  request: AggregateRequest,
  collection: Collection | undefined,
  trace?: QueryTrace,
): Document[] {
  if (request.documents) return request.documents;
  const hint = resolveHint(request.hint, collection);
  if (!collection) return [];
  const { filter, sort, skip, limit } = request.pushdown;
  const docs = collection.find(filter, {
    sort,
    limit: limit === undefined ? undefined : skip + limit,
    hint,
    trace,
    variables: request.variables,
  });
  return docs.slice(skip, limit === undefined ? undefined : skip + limit);
}

/**
 * `aggregate` on a collection: `$changeStream` pipelines are delegated to the change-stream module;
 * other pipelines read their leading `$match`/`$sort`/`$skip`/`$limit` through the collection's
 * indexes, run the rest through the emulator's pipeline runner, and answer a cursor (or, with
 * `explain: true`, the explain of the pipeline).
 */
export const aggregate: CommandHandler = async (command, context) => {
  const first = (arrayField(command, 'pipeline', 'aggregate') as Document[])[0];
  if (isPlainDocument(first) && '$changeStream' in first) return openChangeStream(command, context);
  if (command.explain !== undefined && command.explain !== false) {
    const { explain: _explain, ...inner } = command;
    return explainAggregate(inner, context, 'queryPlanner');
  }
  const request = parseAggregate(command);
  const batchSize = nonNegativeOption(command.cursor as Document, 'batchSize', 'aggregate.cursor');
  const collection = context.engine.collection(context.dbName, request.collectionName);
  const resolve = (name: string) => context.engine.collection(context.dbName, name)?.all() ?? [];
  const docs = runPipeline(
    runPushdown(request, collection),
    request.pushdown.rest,
    resolve,
    request.variables,
  );
  const { output } = request;
  if (output !== undefined) {
    const [stage, spec] = Object.entries(output)[0] as [string, unknown];
    if (stage === '$out') runOut(spec, docs, context, request.bypassDocumentValidation);
    else runMerge(spec, docs, context, request.variables, request.bypassDocumentValidation);
  }
  const cursor = await context.cursors.open(
    `${context.dbName}.${request.collectionName}`,
    arraySource(output === undefined ? docs : []),
    {
      batchSize: batchSize ?? DEFAULT_FIRST_BATCH,
      lsid: context.lsid,
    },
  );
  return { cursor };
};
