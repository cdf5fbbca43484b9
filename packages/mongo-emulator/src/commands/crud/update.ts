import type { Document } from 'bson';
import { badValue, notSupported } from '../../errors.js';
import { isPlainDocument } from '../../query/bson-types.js';
import type { WriteOptions } from '../../storage/collection.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { parseUpdate, type UpdateSpec, updateOne, upsertOne } from './apply-update.js';
import { collectionName } from './namespace.js';
import { arrayField, boolOption, checkCollation, checkFields, checkLet } from './options.js';
import { writeError } from './write-errors.js';

const STATEMENT_FIELDS = [
  'q',
  'u',
  'multi',
  'upsert',
  'arrayFilters',
  'collation',
  'hint',
  'c',
  'sort',
];

interface StatementResult {
  n: number;
  nModified: number;
  upsertedId?: unknown;
}

function runStatement(
  name: string,
  statement: Document,
  context: CommandContext,
  options: WriteOptions,
): StatementResult {
  for (const field of Object.keys(statement)) {
    if (!STATEMENT_FIELDS.includes(field))
      throw badValue(`BSON field 'update.updates.${field}' is an unknown field.`);
  }
  if (statement.c !== undefined) throw notSupported("update statement constants 'c'");
  if (statement.sort !== undefined) throw notSupported("update statement 'sort'");
  if (
    statement.hint !== undefined &&
    !(isPlainDocument(statement.hint) && Object.keys(statement.hint).length === 0)
  ) {
    throw notSupported("update statement 'hint'");
  }
  checkCollation(statement.collation);
  const filter = statement.q ?? {};
  if (!isPlainDocument(filter))
    throw badValue("BSON field 'update.updates.q' is the wrong type, expected type 'object'");
  const multi = boolOption(statement, 'multi', 'update.updates') ?? false;
  const upsert = boolOption(statement, 'upsert', 'update.updates') ?? false;
  const spec: UpdateSpec = {
    filter,
    ...parseUpdate(statement.u, multi, statement.arrayFilters),
    arrayFilters: statement.arrayFilters,
  };
  const collection = context.engine.collection(context.dbName, name);
  const matched = collection ? collection.find(filter, multi ? {} : { limit: 1 }) : [];
  if (matched.length === 0) {
    if (!upsert) return { n: 0, nModified: 0 };
    const target = collection ?? context.engine.ensureCollection(context.dbName, name).collection;
    const inserted = upsertOne(target, spec, context.clock, options);
    return { n: 1, nModified: 0, upsertedId: inserted._id };
  }
  let nModified = 0;
  const targets = multi ? matched : matched.slice(0, 1);
  for (const doc of targets) {
    if (collection && updateOne(collection, doc, spec, context.clock, options).modified)
      nModified += 1;
  }
  return { n: targets.length, nModified };
}

/** `update`: update statements with multi, upsert, arrayFilters, pipeline and replacement updates. */
export const update: CommandHandler = (command, context) => {
  checkFields(command, 'update', ['updates', 'ordered', 'bypassDocumentValidation', 'let'], []);
  checkLet(command);
  const name = collectionName(command, context.dbName);
  const updates = arrayField(command, 'updates', 'update');
  const ordered = boolOption(command, 'ordered', 'update') ?? true;
  const options: WriteOptions = {
    bypassDocumentValidation: boolOption(command, 'bypassDocumentValidation', 'update') ?? false,
  };
  let n = 0;
  let nModified = 0;
  const upserted: Document[] = [];
  const writeErrors: Document[] = [];
  for (const [index, statement] of updates.entries()) {
    try {
      if (!isPlainDocument(statement))
        throw badValue("BSON field 'update.updates' is the wrong type, expected type 'object'");
      const result = runStatement(name, statement, context, options);
      n += result.n;
      nModified += result.nModified;
      if (result.upsertedId !== undefined) upserted.push({ index, _id: result.upsertedId });
    } catch (error) {
      writeErrors.push(writeError(index, error));
      if (ordered) break;
    }
  }
  const reply: Document = { n, nModified };
  if (upserted.length > 0) reply.upserted = upserted;
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  return reply;
};
