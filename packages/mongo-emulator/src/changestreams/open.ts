import type { Document } from 'bson';
import type { CommandContext } from '../commands/context.js';
import { CommandError, ErrorCode, notSupported } from '../errors.js';
import { standaloneError } from './errors.js';
import { engineLookup } from './lookup.js';
import { parseChangeStreamSpec } from './options.js';
import { compileEventPipeline } from './pipeline.js';
import { cursorNamespace, type StreamScope } from './scope.js';
import { ChangeStreamSource } from './source.js';
import { resolveStart } from './start.js';

const INTERNAL_DATABASES = new Set(['admin', 'config', 'local']);

function invalidNamespace(message: string): CommandError {
  return new CommandError(ErrorCode.InvalidNamespace, message);
}

function resolveScope(
  command: Document,
  dbName: string,
  allChangesForCluster: boolean,
): StreamScope {
  const target = command.aggregate;
  if (typeof target === 'string') {
    if (allChangesForCluster) {
      throw new CommandError(
        ErrorCode.InvalidOptions,
        "A $changeStream with 'allChangesForCluster:true' may only be opened on the 'admin' database, and with no collection name",
      );
    }
    if (INTERNAL_DATABASES.has(dbName)) {
      throw invalidNamespace(`$changeStream may not be opened on the internal ${dbName} database`);
    }
    if (target.startsWith('system.')) {
      throw invalidNamespace(
        `$changeStream may not be opened on the internal ${dbName}.${target} collection`,
      );
    }
    return { level: 'collection', db: dbName, coll: target };
  }
  if (Number(target) !== 1) {
    throw new CommandError(
      ErrorCode.FailedToParse,
      "Invalid command format: the 'aggregate' field must specify a collection name or 1",
    );
  }
  if (allChangesForCluster) {
    if (dbName !== 'admin') {
      throw new CommandError(
        ErrorCode.InvalidOptions,
        "A $changeStream with 'allChangesForCluster:true' may only be opened on the 'admin' database, and with no collection name",
      );
    }
    return { level: 'cluster' };
  }
  if (INTERNAL_DATABASES.has(dbName)) {
    throw invalidNamespace(`$changeStream may not be opened on the internal ${dbName} database`);
  }
  return { level: 'database', db: dbName };
}

function batchSizeOf(command: Document): number | undefined {
  const cursor = command.cursor;
  if (typeof cursor !== 'object' || cursor === null) {
    throw new CommandError(
      ErrorCode.FailedToParse,
      "The 'cursor' option is required, except for aggregate with the explain argument",
    );
  }
  const value = (cursor as Document).batchSize;
  if (value === undefined) return undefined;
  const size = Number(value);
  if (!Number.isInteger(size) || size < 0) {
    throw new CommandError(ErrorCode.BadValue, 'Cursor batchSize must not be negative');
  }
  return size;
}

/**
 * Answers an `aggregate` whose pipeline starts with `$changeStream` (`command` is the whole
 * aggregate command): opens an awaitable cursor on a {@link ChangeStreamSource}. Returns the reply
 * without `ok`: `{cursor: {...}}`.
 */
export async function openChangeStream(
  command: Document,
  context: CommandContext,
): Promise<Document> {
  if (context.server.replicaSet === false) throw standaloneError();
  if (command.explain !== undefined && command.explain !== false) {
    throw notSupported('explain of a $changeStream aggregate');
  }
  const pipeline = command.pipeline;
  if (!Array.isArray(pipeline) || pipeline.length === 0) {
    throw new CommandError(ErrorCode.BadValue, 'openChangeStream needs a $changeStream pipeline');
  }
  const [first, ...rest] = pipeline as unknown[];
  const spec = parseChangeStreamSpec((first as Document).$changeStream);
  const scope = resolveScope(command, context.dbName, spec.allChangesForCluster);
  const eventPipeline = compileEventPipeline(rest);
  const batchSize = batchSizeOf(command);
  const start = resolveStart(spec.start, context.changeLog, context.clock);
  const source = new ChangeStreamSource({
    log: context.changeLog,
    scope,
    pipeline: eventPipeline,
    fullDocument: spec.fullDocument,
    expanded: spec.showExpandedEvents,
    lookup: engineLookup(context.engine),
    start,
  });
  const cursor = await context.cursors.open(cursorNamespace(scope), source, {
    ...(batchSize === undefined ? {} : { batchSize }),
    awaitable: true,
    ...(context.lsid === undefined ? {} : { lsid: context.lsid }),
  });
  return { cursor };
}
