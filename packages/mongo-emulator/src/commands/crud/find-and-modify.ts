import type { Document } from 'bson';
import { CommandError, ErrorCode, notSupported } from '../../errors.js';
import { isPlainDocument } from '../../query/bson-types.js';
import { compileProjection } from '../../query/projection.js';
import { parseSort } from '../../query/sort.js';
import type { CommandHandler } from '../context.js';
import { parseUpdate, type UpdateSpec, updateOne, upsertOne } from './apply-update.js';
import { collectionName } from './namespace.js';
import { boolOption, checkCollation, checkFields, checkLet, documentOption } from './options.js';

/**
 * `findAndModify`: atomically updates (or removes) the first document matching `query` in `sort`
 * order and returns it (`new: true` → after the update). The whole command runs synchronously, so
 * two concurrent calls can never modify the same document version.
 */
export const findAndModify: CommandHandler = (command, context) => {
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
  checkLet(command);
  checkCollation(command.collation);
  if (command.hint !== undefined) throw notSupported("findAndModify option 'hint'");
  const name = collectionName(command, context.dbName);
  const filter = documentOption(command, 'query', 'findAndModify') ?? {};
  const sort = parseSort(documentOption(command, 'sort', 'findAndModify'));
  const projector = compileProjection(documentOption(command, 'fields', 'findAndModify'));
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
  const project = (doc: Document | undefined): Document | null =>
    doc === undefined ? null : projector ? projector(doc) : doc;

  const collection = context.engine.collection(context.dbName, name);
  const target = collection ? collection.find(filter, { sort, limit: 1 })[0] : undefined;

  if (remove) {
    if (collection && target) collection.delete(target);
    return { lastErrorObject: { n: target ? 1 : 0 }, value: project(target) };
  }
  if (!isPlainDocument(command.update) && !Array.isArray(command.update)) {
    throw new CommandError(
      ErrorCode.FailedToParse,
      'Update argument must be either an object or an array',
    );
  }
  const spec: UpdateSpec = {
    filter,
    ...parseUpdate(command.update, false, command.arrayFilters),
    arrayFilters: command.arrayFilters,
  };
  if (target && collection) {
    const { after } = updateOne(collection, target, spec, context.clock, {
      bypassDocumentValidation,
    });
    return {
      lastErrorObject: { n: 1, updatedExisting: true },
      value: project(returnNew ? after : target),
    };
  }
  if (!upsert) return { lastErrorObject: { n: 0, updatedExisting: false }, value: null };
  const into = collection ?? context.engine.ensureCollection(context.dbName, name).collection;
  const inserted = upsertOne(into, spec, context.clock, { bypassDocumentValidation });
  return {
    lastErrorObject: { n: 1, updatedExisting: false, upserted: inserted._id },
    value: returnNew ? project(inserted) : null,
  };
};
