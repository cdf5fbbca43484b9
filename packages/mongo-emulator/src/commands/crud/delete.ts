import type { Document } from 'bson';
import { badValue, notSupported } from '../../errors.js';
import { isPlainDocument } from '../../query/bson-types.js';
import { asNumber } from '../../query/numeric.js';
import type { CommandContext, CommandHandler } from '../context.js';
import { collectionName } from './namespace.js';
import { arrayField, boolOption, checkCollation, checkFields, checkLet } from './options.js';
import { writeError } from './write-errors.js';

function runStatement(name: string, statement: Document, context: CommandContext): number {
  for (const field of Object.keys(statement)) {
    if (!['q', 'limit', 'collation', 'hint'].includes(field)) {
      throw badValue(`BSON field 'delete.deletes.${field}' is an unknown field.`);
    }
  }
  if (statement.hint !== undefined) throw notSupported("delete statement 'hint'");
  checkCollation(statement.collation);
  const filter = statement.q;
  if (!isPlainDocument(filter))
    throw badValue("BSON field 'delete.deletes.q' is missing but a required field");
  const limit = asNumber(statement.limit);
  if (limit !== 0 && limit !== 1)
    throw badValue(`The limit field in delete objects must be 0 or 1. Got ${statement.limit}`);
  const collection = context.engine.collection(context.dbName, name);
  if (!collection) return 0;
  const matched = collection.find(filter, limit === 1 ? { limit: 1 } : {});
  const targets = limit === 1 ? matched.slice(0, 1) : matched;
  for (const doc of targets) collection.delete(doc);
  return targets.length;
}

/** `delete`: delete statements with `limit` 0 (all matches) or 1. */
export const deleteCommand: CommandHandler = (command, context) => {
  checkFields(command, 'delete', ['deletes', 'ordered', 'let']);
  checkLet(command);
  const name = collectionName(command, context.dbName);
  const deletes = arrayField(command, 'deletes', 'delete');
  const ordered = boolOption(command, 'ordered', 'delete') ?? true;
  let n = 0;
  const writeErrors: Document[] = [];
  for (const [index, statement] of deletes.entries()) {
    try {
      if (!isPlainDocument(statement))
        throw badValue("BSON field 'delete.deletes' is the wrong type, expected type 'object'");
      n += runStatement(name, statement, context);
    } catch (error) {
      writeErrors.push(writeError(index, error));
      if (ordered) break;
    }
  }
  const reply: Document = { n };
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  return reply;
};
