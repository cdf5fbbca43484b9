import type { Document } from 'bson';
import { typeMismatch } from '../../errors.js';
import { isPlainDocument } from '../../query/bson-types.js';
import type { CommandHandler } from '../context.js';
import { collectionName } from './namespace.js';
import { arrayField, boolOption, checkFields } from './options.js';
import { writeError } from './write-errors.js';

/** `insert`: inserts documents in order; `ordered: false` continues after a failed document. */
export const insert: CommandHandler = (command, context) => {
  checkFields(command, 'insert', ['documents', 'ordered', 'bypassDocumentValidation']);
  const name = collectionName(command, context.dbName);
  const documents = arrayField(command, 'documents', 'insert');
  const ordered = boolOption(command, 'ordered', 'insert') ?? true;
  const bypassDocumentValidation =
    boolOption(command, 'bypassDocumentValidation', 'insert') ?? false;
  for (const doc of documents) {
    if (!isPlainDocument(doc))
      throw typeMismatch(
        "BSON field 'insert.documents.0' is the wrong type, expected type 'object'",
      );
  }
  const writeErrors: Document[] = [];
  let n = 0;
  if (documents.length > 0) {
    const { collection } = context.engine.ensureCollection(context.dbName, name);
    for (const [index, doc] of documents.entries()) {
      try {
        collection.insert(doc as Document, { bypassDocumentValidation });
        n += 1;
      } catch (error) {
        writeErrors.push(writeError(index, error));
        if (ordered) break;
      }
    }
  }
  const reply: Document = { n };
  if (writeErrors.length > 0) reply.writeErrors = writeErrors;
  return reply;
};
