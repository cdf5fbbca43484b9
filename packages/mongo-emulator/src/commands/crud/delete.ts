import type { Document } from 'bson';
import { badValue } from '../../errors.js';
import { isPlainDocument } from '../../query/bson-types.js';
import { compileFilter } from '../../query/matcher.js';
import type { Variables } from '../../query/mingo-bridge.js';
import { asNumber } from '../../query/numeric.js';
import type { Collection } from '../../storage/collection.js';
import type { QueryTrace } from '../../storage/query-executor.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { resolveHint } from './hint.js';
import { collectionName } from './namespace.js';
import { arrayField, boolOption, checkCollation, checkFields, parseLet } from './options.js';
import { writeError } from './write-errors.js';

/** One parsed and validated delete statement. */
export interface DeleteStatement {
  filter: Document;
  /** 1: the first match only; 0: every match. */
  limit: 0 | 1;
  hint: unknown;
  variables?: Variables;
}

/** Parses and validates one statement of `delete.deletes`. */
export function parseDeleteStatement(statement: unknown, variables?: Variables): DeleteStatement {
  if (!isPlainDocument(statement))
    throw badValue("BSON field 'delete.deletes' is the wrong type, expected type 'object'");
  for (const field of Object.keys(statement)) {
    if (!['q', 'limit', 'collation', 'hint'].includes(field)) {
      throw badValue(`BSON field 'delete.deletes.${field}' is an unknown field.`);
    }
  }
  checkCollation(statement.collation);
  const filter = statement.q;
  if (!isPlainDocument(filter))
    throw badValue("BSON field 'delete.deletes.q' is missing but a required field");
  compileFilter(filter, variables);
  const limit = asNumber(statement.limit);
  if (limit !== 0 && limit !== 1)
    throw badValue(`The limit field in delete objects must be 0 or 1. Got ${statement.limit}`);
  return { filter, limit, hint: statement.hint, ...(variables ? { variables } : {}) };
}

/** The documents a statement deletes. */
export function deleteTargets(
  statement: DeleteStatement,
  collection: Collection | undefined,
  trace?: QueryTrace,
): Document[] {
  const hint = resolveHint(statement.hint, collection);
  if (!collection) return [];
  const one = statement.limit === 1;
  const matched = collection.find(statement.filter, {
    ...(one ? { limit: 1 } : {}),
    hint,
    trace,
    variables: statement.variables,
  });
  return one ? matched.slice(0, 1) : matched;
}

/** Checks the command-level fields of `delete`; returns the collection and the `let` variables. */
export function parseDeleteCommand(
  command: Document,
  context: CommandContext,
): { name: string; variables: Variables | undefined } {
  checkFields(command, 'delete', ['deletes', 'ordered', 'let']);
  const variables = parseLet(command, 'delete');
  return { name: collectionName(command, context.dbName), variables };
}

/** `delete`: delete statements with `limit` 0 (all matches) or 1, and `hint`. */
export const deleteCommand: CommandHandler = (command, context) => {
  const { name, variables } = parseDeleteCommand(command, context);
  const deletes = arrayField(command, 'deletes', 'delete');
  const ordered = boolOption(command, 'ordered', 'delete') ?? true;
  let n = 0;
  const writeErrors: Document[] = [];
  for (const [index, statement] of deletes.entries()) {
    try {
      const parsed = parseDeleteStatement(statement, variables);
      const collection = context.engine.collection(context.dbName, name);
      const targets = deleteTargets(parsed, collection);
      for (const doc of targets) collection?.delete(doc);
      n += targets.length;
    } catch (error) {
      writeErrors.push(writeError(index, error));
      if (ordered) break;
    }
  }
  const reply: Document = { n };
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  return reply;
};
