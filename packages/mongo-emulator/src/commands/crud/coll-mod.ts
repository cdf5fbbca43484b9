import type { Document } from 'bson';
import { CommandError, ErrorCode } from '../../errors.js';
import { collectionUuid } from '../../storage/collection-uuid.js';
import { checkValidationOptions } from '../../storage/validation.js';
import type { CommandHandler } from '../context.js';
import { normalizeOptions } from './collection-options.js';
import { collectionName } from './namespace.js';
import { checkFields } from './options.js';

const KNOWN = ['validator', 'validationLevel', 'validationAction'];

const UNSUPPORTED = [
  'index',
  'expireAfterSeconds',
  'viewOn',
  'pipeline',
  'changeStreamPreAndPostImages',
  'recordPreImages',
  'timeseries',
  'clusteredIndex',
  'cappedSize',
  'cappedMax',
  'dryRun',
  'timeseriesBucketsMayHaveMixedSchemaData',
  'isTimeseriesNamespace',
];

/**
 * `collMod`: changes a collection's `validator`, `validationLevel` and `validationAction`
 * (documents already stored are not checked, as in MongoDB). Other modifications answer not
 * supported.
 */
export const collMod: CommandHandler = (command, context) => {
  checkFields(command, 'collMod', KNOWN, UNSUPPORTED);
  checkValidationOptions(command, 'collMod');
  const name = collectionName(command, context.dbName);
  const collection = context.engine.collection(context.dbName, name);
  if (!collection) throw new CommandError(ErrorCode.NamespaceNotFound, 'ns does not exist');
  const before = collection.options;
  const options: Document = { ...before };
  const changed: Document = {};
  for (const key of KNOWN) {
    if (command[key] === undefined) continue;
    options[key] = command[key];
    changed[key] = command[key];
  }
  collection.setOptions(normalizeOptions(options));
  context.engine.recordDefinitionChange({
    operationType: 'modify',
    db: context.dbName,
    coll: name,
    operationDescription: changed,
    stateBeforeChange: { collectionOptions: { uuid: collectionUuid(collection), ...before } },
  });
  return {};
};
