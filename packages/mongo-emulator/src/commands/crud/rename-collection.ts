import { CommandError, ErrorCode, notSupported, typeMismatch } from '../../errors.js';
import { bsonTypeOf } from '../../query/bson-types.js';
import type { CommandHandler } from '../context.js';
import { boolOption, checkFields } from './options.js';

interface Namespace {
  db: string;
  coll: string;
}

function parseNamespace(value: unknown, field: string, role: string): Namespace {
  if (typeof value !== 'string') {
    if (value === undefined) {
      throw new CommandError(
        40414,
        `BSON field 'renameCollection.${field}' is missing but a required field`,
        { codeName: 'Location40414' },
      );
    }
    throw typeMismatch(
      `BSON field 'renameCollection.${field}' is the wrong type '${bsonTypeOf(value)}', expected type 'string'`,
    );
  }
  const dot = value.indexOf('.');
  const db = dot > 0 ? value.slice(0, dot) : '';
  const coll = dot > 0 ? value.slice(dot + 1) : '';
  if (db === '' || coll === '' || coll.includes('$') || value.includes('\0')) {
    throw new CommandError(ErrorCode.InvalidNamespace, `Invalid ${role} namespace: ${value}`);
  }
  return { db, coll };
}

/**
 * `renameCollection` (run on `admin`): renames a collection within its database, replacing an
 * existing target only with `dropTarget: true`. Records one `rename` change. Renaming across
 * databases answers not supported.
 */
export const renameCollection: CommandHandler = (command, context) => {
  if (context.dbName !== 'admin') {
    throw new CommandError(
      ErrorCode.Unauthorized,
      'renameCollection may only be run against the admin database.',
    );
  }
  checkFields(command, 'renameCollection', ['to', 'dropTarget', 'stayTemp']);
  const source = parseNamespace(command.renameCollection, 'renameCollection', 'source');
  const target = parseNamespace(command.to, 'to', 'target');
  const dropTarget = boolOption(command, 'dropTarget', 'renameCollection') ?? false;
  if (source.db !== target.db) throw notSupported('renaming a collection across databases');
  if (source.coll.startsWith('system.') || target.coll.startsWith('system.')) {
    throw notSupported('renaming system collections');
  }
  if (source.coll === target.coll) {
    throw new CommandError(ErrorCode.IllegalOperation, "Can't rename a collection to itself");
  }
  const engine = context.engine;
  if (!engine.collection(source.db, source.coll)) {
    throw new CommandError(
      ErrorCode.NamespaceNotFound,
      `Source collection ${source.db}.${source.coll} does not exist`,
    );
  }
  if (engine.collection(target.db, target.coll) && !dropTarget) {
    throw new CommandError(ErrorCode.NamespaceExists, 'target namespace exists');
  }
  engine.renameCollection(source.db, source.coll, target.coll);
  return {};
};
