import type { Document } from 'bson';
import type { LogicalClock } from '../../clock.js';
import { badValue, notSupported } from '../../errors.js';
import { isPlainDocument } from '../../query/bson-types.js';
import { compileFilter } from '../../query/matcher.js';
import type { Variables } from '../../query/mingo-bridge.js';
import { sameDocument } from '../../query/update.js';
import type { Collection, WriteOptions } from '../../storage/collection.js';
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
import { arrayField, boolOption, checkCollation, checkFields, parseLet } from './options.js';
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

/** One parsed and validated update statement. */
export interface UpdateStatement {
  spec: UpdateSpec;
  multi: boolean;
  upsert: boolean;
  hint: unknown;
}

interface StatementResult {
  n: number;
  nModified: number;
  upsertedId?: unknown;
}

/** Parses and validates one statement of `update.updates`. */
export function parseUpdateStatement(statement: unknown, variables?: Variables): UpdateStatement {
  if (!isPlainDocument(statement))
    throw badValue("BSON field 'update.updates' is the wrong type, expected type 'object'");
  for (const field of Object.keys(statement)) {
    if (!STATEMENT_FIELDS.includes(field))
      throw badValue(`BSON field 'update.updates.${field}' is an unknown field.`);
  }
  if (statement.c !== undefined) throw notSupported("update statement constants 'c'");
  if (statement.sort !== undefined) throw notSupported("update statement 'sort'");
  checkCollation(statement.collation);
  const filter = statement.q ?? {};
  if (!isPlainDocument(filter))
    throw badValue("BSON field 'update.updates.q' is the wrong type, expected type 'object'");
  compileFilter(filter, variables);
  const multi = boolOption(statement, 'multi', 'update.updates') ?? false;
  const upsert = boolOption(statement, 'upsert', 'update.updates') ?? false;
  return {
    spec: {
      filter,
      ...parseUpdate(statement.u, multi, statement.arrayFilters),
      arrayFilters: statement.arrayFilters,
      ...(variables ? { variables } : {}),
    },
    multi,
    upsert,
    hint: statement.hint,
  };
}

/** The documents a statement updates (all matches, or the first). */
function targetsOf(
  statement: UpdateStatement,
  collection: Collection | undefined,
  trace?: QueryTrace,
): Document[] {
  const hint = resolveHint(statement.hint, collection);
  if (!collection) return [];
  const matched = collection.find(statement.spec.filter, {
    ...(statement.multi ? {} : { limit: 1 }),
    hint,
    trace,
    variables: statement.spec.variables,
  });
  return statement.multi ? matched : matched.slice(0, 1);
}

/**
 * What a statement would do, without writing (explain): documents matched, modified and
 * upserted.
 */
export function dryRunUpdate(
  statement: UpdateStatement,
  collection: Collection | undefined,
  clock: LogicalClock,
  trace: QueryTrace,
): { nMatched: number; nWouldModify: number; nWouldUpsert: number } {
  const targets = targetsOf(statement, collection, trace);
  let nWouldModify = 0;
  for (const doc of targets) {
    if (!sameDocument(doc, updatedDocument(doc, statement.spec, clock))) nWouldModify += 1;
  }
  const nWouldUpsert = targets.length === 0 && statement.upsert ? 1 : 0;
  return { nMatched: targets.length, nWouldModify, nWouldUpsert };
}

function runStatement(
  name: string,
  statement: UpdateStatement,
  context: CommandContext,
  options: WriteOptions,
): StatementResult {
  const collection = context.engine.collection(context.dbName, name);
  const targets = targetsOf(statement, collection);
  if (targets.length === 0) {
    if (!statement.upsert) return { n: 0, nModified: 0 };
    const target = collection ?? context.engine.ensureCollection(context.dbName, name).collection;
    const inserted = upsertOne(target, statement.spec, context.clock, options);
    return { n: 1, nModified: 0, upsertedId: inserted._id };
  }
  let nModified = 0;
  for (const doc of targets) {
    if (collection && updateOne(collection, doc, statement.spec, context.clock, options).modified)
      nModified += 1;
  }
  return { n: targets.length, nModified };
}

/** Checks the command-level fields of `update`; returns the collection and the `let` variables. */
export function parseUpdateCommand(
  command: Document,
  context: CommandContext,
): { name: string; variables: Variables | undefined } {
  checkFields(command, 'update', ['updates', 'ordered', 'bypassDocumentValidation', 'let'], []);
  const variables = parseLet(command, 'update');
  return { name: collectionName(command, context.dbName), variables };
}

/** `update`: update statements with multi, upsert, arrayFilters, hint, pipeline and replacement updates. */
export const update: CommandHandler = (command, context) => {
  const { name, variables } = parseUpdateCommand(command, context);
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
      const result = runStatement(
        name,
        parseUpdateStatement(statement, variables),
        context,
        options,
      );
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
