import type { Document } from 'bson';
import type { LogicalClock } from '../../clock.js';
import { CommandError, ErrorCode } from '../../errors.js';
import { isPlainDocument } from '../../query/bson-types.js';
import { compileFilter } from '../../query/matcher.js';
import type { Variables } from '../../query/mingo-bridge.js';
import { compileProjection, type Projector } from '../../query/projection.js';
import { parseSort, type SortField } from '../../query/sort.js';
import { sameDocument } from '../../query/update.js';
import type { Collection } from '../../storage/collection.js';
import type { QueryTrace } from '../../storage/query-executor.js';
import type { CommandContext, CommandHandler } from '../context.js';
import {
  parseUpdate,
  type UpdateSpec,
  updatedDocument,
  updateOne,
  upsertOne,
} from './apply-update.js';
import { resolveHint } from './hint.js';
import { collectionName } from './namespace.js';
import { boolOption, checkCollation, checkFields, documentOption, parseLet } from './options.js';

/** A parsed and validated `findAndModify` command. */
export interface FindAndModifyRequest {
  name: string;
  filter: Document;
  sortSpec: Document | undefined;
  sort: SortField[] | undefined;
  projector: Projector | undefined;
  remove: boolean;
  returnNew: boolean;
  upsert: boolean;
  bypassDocumentValidation: boolean;
  /** The update (absent for `remove`). */
  spec: UpdateSpec | undefined;
  hint: unknown;
  variables: Variables | undefined;
}

/** Parses and validates a `findAndModify` command. */
export function parseFindAndModify(
  command: Document,
  context: CommandContext,
): FindAndModifyRequest {
  checkFields(command, 'findAndModify', [
    'query',
    'sort',
    'remove',
    'update',
    'new',
    'fields',
    'upsert',
    'arrayFilters',
    'collation',
    'bypassDocumentValidation',
    'let',
    'hint',
  ]);
  const variables = parseLet(command, 'findAndModify');
  checkCollation(command.collation);
  const name = collectionName(command, context.dbName);
  const filter = documentOption(command, 'query', 'findAndModify') ?? {};
  compileFilter(filter, variables);
  const sortSpec = documentOption(command, 'sort', 'findAndModify');
  const sort = parseSort(sortSpec);
  const projector = compileProjection(documentOption(command, 'fields', 'findAndModify'), filter);
  const remove = boolOption(command, 'remove', 'findAndModify') ?? false;
  const returnNew = boolOption(command, 'new', 'findAndModify') ?? false;
  const upsert = boolOption(command, 'upsert', 'findAndModify') ?? false;
  const bypassDocumentValidation =
    boolOption(command, 'bypassDocumentValidation', 'findAndModify') ?? false;
  if (remove && command.update !== undefined) {
    throw new CommandError(
      ErrorCode.FailedToParse,
      'Cannot specify both an update and remove=true',
    );
  }
  if (!remove && command.update === undefined) {
    throw new CommandError(
      ErrorCode.FailedToParse,
      'Either an update or remove=true must be specified',
    );
  }
  if (remove && upsert)
    throw new CommandError(
      ErrorCode.FailedToParse,
      'Cannot specify both upsert=true and remove=true',
    );
  if (remove && returnNew)
    throw new CommandError(
      ErrorCode.FailedToParse,
      "Cannot specify both new=true and remove=true; 'remove' always returns the deleted document",
    );
  if (remove && command.arrayFilters !== undefined)
    throw new CommandError(ErrorCode.FailedToParse, 'Cannot specify arrayFilters and remove=true');
  let spec: UpdateSpec | undefined;
  if (!remove) {
    if (!isPlainDocument(command.update) && !Array.isArray(command.update)) {
      throw new CommandError(
        ErrorCode.FailedToParse,
        'Update argument must be either an object or an array',
      );
    }
    spec = {
      filter,
      ...parseUpdate(command.update, false, command.arrayFilters),
      arrayFilters: command.arrayFilters,
      ...(variables ? { variables } : {}),
    };
  }
  return {
    name,
    filter,
    sortSpec,
    sort,
    projector,
    remove,
    returnNew,
    upsert,
    bypassDocumentValidation,
    spec,
    hint: command.hint,
    variables,
  };
}

/** The document a `findAndModify` acts on: the first match in sort order. */
export function findAndModifyTarget(
  request: FindAndModifyRequest,
  collection: Collection | undefined,
  trace?: QueryTrace,
): Document | undefined {
  const hint = resolveHint(request.hint, collection);
  if (!collection) return undefined;
  return collection.find(request.filter, {
    sort: request.sort,
    limit: 1,
    hint,
    trace,
    variables: request.variables,
  })[0];
}

/** What a `findAndModify` would do, without writing (explain). */
export function dryRunFindAndModify(
  request: FindAndModifyRequest,
  collection: Collection | undefined,
  clock: LogicalClock,
  trace: QueryTrace,
): Document {
  const target = findAndModifyTarget(request, collection, trace);
  if (request.remove || request.spec === undefined) return { nWouldDelete: target ? 1 : 0 };
  const modified =
    target !== undefined && !sameDocument(target, updatedDocument(target, request.spec, clock));
  return {
    nMatched: target ? 1 : 0,
    nWouldModify: modified ? 1 : 0,
    nWouldUpsert: !target && request.upsert ? 1 : 0,
  };
}

/**
 * `findAndModify`: atomically updates (or removes) the first document matching `query` in `sort`
 * order and returns it (`new: true` → after the update). The whole command runs synchronously, so
 * two concurrent calls can never modify the same document version.
 */
export const findAndModify: CommandHandler = (command, context) => {
  const request = parseFindAndModify(command, context);
  const project = (doc: Document | undefined): Document | null =>
    doc === undefined ? null : request.projector ? request.projector(doc) : doc;
  const collection = context.engine.collection(context.dbName, request.name);
  const target = findAndModifyTarget(request, collection);
  if (request.remove || request.spec === undefined) {
    if (collection && target) collection.delete(target);
    return { lastErrorObject: { n: target ? 1 : 0 }, value: project(target) };
  }
  const writeOptions = { bypassDocumentValidation: request.bypassDocumentValidation };
  if (target && collection) {
    const { after } = updateOne(collection, target, request.spec, context.clock, writeOptions);
    return {
      lastErrorObject: { n: 1, updatedExisting: true },
      value: project(request.returnNew ? after : target),
    };
  }
  if (!request.upsert) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null };
  const into =
    collection ?? context.engine.ensureCollection(context.dbName, request.name).collection;
  const inserted = upsertOne(into, request.spec, context.clock, writeOptions);
  return {
    lastErrorObject: { n: 1, updatedExisting: false, upserted: inserted._id },
    value: request.returnNew ? project(inserted) : null,
  };
};
