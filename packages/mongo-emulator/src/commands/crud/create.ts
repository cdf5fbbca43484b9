import type { Document } from 'bson';
import { CommandError, ErrorCode, notSupported } from '../../errors.js';
import { keyString } from '../../query/key-string.js';
import { parseCappedOptions } from '../../storage/capped.js';
import { checkValidationOptions } from '../../storage/validation.js';
import type { CommandHandler } from '../context.js';
import { normalizeOptions } from './collection-options.js';
import { collectionName } from './namespace.js';
import { checkCollation, checkFields } from './options.js';

const UNSUPPORTED = [
  'timeseries',
  'expireAfterSeconds',
  'clusteredIndex',
  'changeStreamPreAndPostImages',
  'viewOn',
  'pipeline',
  'storageEngine',
  'indexOptionDefaults',
  'encryptedFields',
  'autoIndexId',
  'idIndex',
];

const KNOWN = ['collation', 'validator', 'validationLevel', 'validationAction'];
const CAPPED = ['capped', 'size', 'max'];

/**
 * `create`: creates a collection, with an optional query-operator `validator`,
 * `validationLevel` and `validationAction`, optionally capped (`capped`, `size`, `max`); an
 * identical re-create succeeds as in MongoDB 7.
 */
export const create: CommandHandler = (command, context) => {
  checkFields(command, 'create', [...KNOWN, ...CAPPED], UNSUPPORTED);
  checkCollation(command.collation);
  checkValidationOptions(command, 'create');
  const name = collectionName(command, context.dbName);
  const given: Document = {};
  // A simple collation is no collation: MongoDB does not keep it in the collection's options.
  for (const key of KNOWN) {
    if (command[key] !== undefined && key !== 'collation') given[key] = command[key];
  }
  const options = normalizeOptions({ ...parseCappedOptions(command), ...given });
  const existing = context.engine.collection(context.dbName, name);
  if (existing) {
    if (keyString(existing.options) === keyString(options)) return {};
    throw new CommandError(
      ErrorCode.NamespaceExists,
      `Collection ${context.dbName}.${name} already exists.`,
    );
  }
  if (name.startsWith('system.')) throw notSupported('system collections');
  context.engine.createCollection(context.dbName, name, options);
  return {};
};
