import type { Document } from 'bson';
import { badValue, CommandError, ErrorCode, typeMismatch } from '../../errors.js';
import { type BsonValue, bsonTypeOf, isPlainDocument } from '../../query/bson-types.js';
import { formatValue } from '../../query/format.js';
import { keyString } from '../../query/key-string.js';
import type { Collection } from '../../storage/collection.js';
import { collectionUuid } from '../../storage/collection-uuid.js';
import type { Index } from '../../storage/index.js';
import { checkValidationOptions } from '../../storage/validation.js';
import type { CommandHandler } from '../context.js';
import { normalizeOptions } from './collection-options.js';
import { collectionName } from './namespace.js';
import { boolOption, checkFields } from './options.js';

const KNOWN = ['validator', 'validationLevel', 'validationAction'];

const UNSUPPORTED = [
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
 * (documents already stored are not checked, as in MongoDB) and hides or unhides an index
 * (`index: {name | keyPattern, hidden}`, answering `hidden_old`/`hidden_new` when that changes
 * something). Other modifications answer not supported.
 */
export const collMod: CommandHandler = (command, context) => {
  checkFields(command, 'collMod', [...KNOWN, 'index'], UNSUPPORTED);
  const indexRequest = parseIndexRequest(command.index);
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
  const index = indexRequest && findIndex(collection, indexRequest, `${context.dbName}.${name}`);
  const reply: Document = {};
  const stateBeforeChange: Document = {
    collectionOptions: { uuid: collectionUuid(collection), ...before },
  };
  // Options first: their write guard waits for transactions using the collection before
  // anything changes, the index's `hidden` flag included.
  collection.setOptions(normalizeOptions(options));
  if (index && indexRequest && index.hidden !== indexRequest.hidden) {
    reply.hidden_old = index.hidden;
    reply.hidden_new = indexRequest.hidden;
    stateBeforeChange.indexOptions = { hidden: index.hidden };
    index.setHidden(indexRequest.hidden);
    changed.index = { ...indexRequest.target, hidden: indexRequest.hidden };
  }
  context.engine.recordDefinitionChange({
    operationType: 'modify',
    db: context.dbName,
    coll: name,
    operationDescription: changed,
    stateBeforeChange,
  });
  return reply;
};

/** The `index` of a `collMod`: which index (by name or key pattern) and its new `hidden`. */
interface IndexRequest {
  target: { name: string } | { keyPattern: Document };
  hidden: boolean;
}

const INDEX_FIELDS = ['name', 'keyPattern', 'hidden'];
const INDEX_UNSUPPORTED = ['expireAfterSeconds', 'unique', 'prepareUnique', 'forceNonUnique'];

function parseIndexRequest(value: BsonValue): IndexRequest | undefined {
  if (value === undefined) return undefined;
  if (!isPlainDocument(value)) {
    throw typeMismatch(
      `BSON field 'collMod.index' is the wrong type '${bsonTypeOf(value)}', expected type 'object'`,
    );
  }
  checkFields({ index: 1, ...value }, 'collMod.index', INDEX_FIELDS, INDEX_UNSUPPORTED);
  const name = value.name;
  const keyPattern = value.keyPattern;
  if (name !== undefined && typeof name !== 'string') {
    throw typeMismatch(
      `BSON field 'collMod.index.name' is the wrong type '${bsonTypeOf(name)}', expected type 'string'`,
    );
  }
  if (keyPattern !== undefined && !isPlainDocument(keyPattern)) {
    throw typeMismatch(
      `BSON field 'collMod.index.keyPattern' is the wrong type '${bsonTypeOf(keyPattern)}', expected type 'object'`,
    );
  }
  if (name !== undefined && keyPattern !== undefined) {
    throw new CommandError(ErrorCode.InvalidOptions, 'Cannot specify both key pattern and name.');
  }
  if (name === undefined && keyPattern === undefined) {
    throw new CommandError(
      ErrorCode.InvalidOptions,
      'Must specify either index name or key pattern.',
    );
  }
  const hidden = boolOption(value, 'hidden', 'collMod.index');
  if (hidden === undefined) {
    throw new CommandError(
      ErrorCode.InvalidOptions,
      'no expireAfterSeconds, hidden, unique, or prepareUnique field',
    );
  }
  return {
    target: name !== undefined ? { name } : { keyPattern: keyPattern as Document },
    hidden,
  };
}

/** The index a request names, with MongoDB's errors for none, several, and the `_id` index. */
function findIndex(collection: Collection, request: IndexRequest, ns: string): Index {
  let index: Index | undefined;
  if ('name' in request.target) {
    const { name } = request.target;
    index = collection.indexes.find((i) => i.name === name);
    if (!index) {
      throw new CommandError(ErrorCode.IndexNotFound, `cannot find index ${name} for ns ${ns}`);
    }
  } else {
    const pattern = request.target.keyPattern;
    const found = collection.indexes.filter((i) => keyString(i.spec.key) === keyString(pattern));
    if (found.length > 1) {
      throw new CommandError(
        ErrorCode.AmbiguousIndexKeyPattern,
        `index keyPattern ${formatValue(pattern)} matches ${found.length} indexes, must use index name. Conflicting indexes:${formatValue(found[0]?.spec)}, ${formatValue(found[1]?.spec)}`,
      );
    }
    index = found[0];
    if (!index) {
      throw new CommandError(
        ErrorCode.IndexNotFound,
        `cannot find index ${formatValue(pattern)} for ns ${ns}`,
      );
    }
  }
  if (index.name === '_id_') throw badValue("can't hide _id index");
  return index;
}
