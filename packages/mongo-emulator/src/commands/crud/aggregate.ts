import type { Document } from 'bson';
import { openChangeStream } from '../../changestreams/open.js';
import { arraySource } from '../../cursors.js';
import { CommandError, ErrorCode, notSupported } from '../../errors.js';
import { runPipeline } from '../../query/aggregate.js';
import { isPlainDocument } from '../../query/bson-types.js';
import type { CommandHandler } from '../context.js';
import { DEFAULT_FIRST_BATCH } from './find.js';
import { checkHint } from './hint.js';
import { arrayField, checkCollation, checkFields, checkLet, nonNegativeOption } from './options.js';

/**
 * `aggregate` on a collection: `$changeStream` pipelines are delegated to the change-stream module;
 * other pipelines run through the emulator's pipeline runner and answer a cursor.
 */
export const aggregate: CommandHandler = async (command, context) => {
  const pipeline = arrayField(command, 'pipeline', 'aggregate') as Document[];
  const first = pipeline[0];
  if (isPlainDocument(first) && '$changeStream' in first) return openChangeStream(command, context);
  checkFields(
    command,
    'aggregate',
    ['pipeline', 'cursor', 'allowDiskUse', 'collation', 'hint', 'let', 'bypassDocumentValidation'],
    ['explain', 'exchange', 'isMapReduceCommand', 'fromMongos', 'needsMerge'],
  );
  checkLet(command);
  checkCollation(command.collation);
  const target = command.aggregate;
  if (typeof target !== 'string') {
    if (target === 1 || (typeof target === 'object' && target !== null))
      throw notSupported('database-level aggregate');
    throw new CommandError(ErrorCode.InvalidNamespace, 'Invalid aggregate namespace');
  }
  if (!isPlainDocument(command.cursor)) {
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
  const batchSize = nonNegativeOption(command.cursor, 'batchSize', 'aggregate.cursor');
  const collection = context.engine.collection(context.dbName, target);
  checkHint(command.hint, collection);
  const resolve = (name: string) => context.engine.collection(context.dbName, name)?.all() ?? [];
  // A leading `$match` reads its candidates through the collection's indexes; the pipeline still
  // applies it (idempotently), so results and errors are unchanged.
  const leading =
    isPlainDocument(first) && Object.keys(first).length === 1 ? first.$match : undefined;
  const input = collection
    ? isPlainDocument(leading)
      ? collection.find(leading)
      : collection.all()
    : [];
  const docs = runPipeline(input, pipeline, resolve);
  const cursor = await context.cursors.open(`${context.dbName}.${target}`, arraySource(docs), {
    batchSize: batchSize ?? DEFAULT_FIRST_BATCH,
    lsid: context.lsid,
  });
  return { cursor };
};
