import type { Document } from 'bson';
import { badValue, CommandError, ErrorCode, notSupported } from '../errors.js';
import { type BsonValue, isPlainDocument } from './bson-types.js';
import { setField } from './fields.js';
import { graphLookup } from './graph-lookup.js';
import { keyString } from './key-string.js';
import { compileFilter } from './matcher.js';
import { runMingoStage, type Variables } from './mingo-bridge.js';
import { asNumber } from './numeric.js';
import { pathValues } from './path.js';
import { restoreTypes } from './restore-types.js';
import { parseSort, type SortField, sortComparator } from './sort.js';
import { assign, removeAt, structuredCloneDoc } from './stage-paths.js';

/** Resolves `$lookup`'s `from` collection in the aggregate's database. */
export type CollectionResolver = (name: string) => Document[];

/** Stages MongoDB has that the emulator does not implement (answered not-supported). */
const KNOWN_UNSUPPORTED = new Set([
  '$bucket',
  '$bucketAuto',
  '$collStats',
  '$densify',
  '$documents',
  '$fill',
  '$geoNear',
  '$indexStats',
  '$listSessions',
  '$planCacheStats',
  '$redact',
  '$sample',
  '$search',
  '$searchMeta',
  '$setWindowFields',
  '$unionWith',
  '$currentOp',
  '$listLocalSessions',
  '$changeStreamSplitLargeEvent',
  '$vectorSearch',
  '$changeStream',
]);

/** Runs one stage on mingo; `restore` puts back the BSON types of values the stage left alone. */
function runMingo(
  docs: Document[],
  stage: Document,
  restore: boolean,
  variables: Variables | undefined,
): Document[] {
  const out = runMingoStage(docs, stage, variables);
  if (!restore) return out;
  return out.map((d, i) => restoreTypes(docs[i], d) as Document);
}

function unwind(docs: Document[], spec: BsonValue): Document[] {
  const options =
    typeof spec === 'string' ? { path: spec } : isPlainDocument(spec) ? spec : undefined;
  if (!options || typeof options.path !== 'string' || !options.path.startsWith('$')) {
    throw new CommandError(28812, 'no path specified to $unwind stage', {
      codeName: 'Location28812',
    });
  }
  const path = options.path.slice(1);
  const indexField = options.includeArrayIndex as string | undefined;
  const preserve = options.preserveNullAndEmptyArrays === true;
  const out: Document[] = [];
  const setAt = (doc: Document, value: BsonValue, index: number | null): Document => {
    const copy = structuredCloneDoc(doc);
    assign(copy, path, value);
    if (indexField) assign(copy, indexField, index);
    return copy;
  };
  for (const doc of docs) {
    const value = pathValues(doc, path)[0];
    if (Array.isArray(value)) {
      if (value.length === 0) {
        if (preserve) {
          const copy = structuredCloneDoc(doc);
          removeAt(copy, path);
          if (indexField) assign(copy, indexField, null);
          out.push(copy);
        }
        continue;
      }
      value.forEach((element, i) => {
        out.push(setAt(doc, element, i));
      });
    } else if (value === undefined || value === null) {
      if (preserve) out.push(indexField ? setAt(doc, value, null) : doc);
    } else {
      out.push(indexField ? setAt(doc, value, null) : doc);
    }
  }
  return out;
}

/** A copy of `doc` with `value` at the dotted path `as` (how `$lookup` sets its output field). */
function withField(doc: Document, as: string, value: BsonValue): Document {
  const out = structuredCloneDoc(doc);
  assign(out, as, value);
  return out;
}

function lookup(
  docs: Document[],
  spec: BsonValue,
  resolve: CollectionResolver,
  variables: Variables | undefined,
): Document[] {
  if (!isPlainDocument(spec)) throw badValue('the $lookup specification must be an Object');
  const { from, localField, foreignField, as, pipeline } = spec;
  if (spec.let !== undefined) throw notSupported("$lookup 'let'");
  if (typeof from !== 'string') throw notSupported('$lookup without a collection name in from');
  if (typeof as !== 'string')
    throw new CommandError(ErrorCode.FailedToParse, "must specify 'as' field for a $lookup");
  const foreign = resolve(from);
  const sub = pipeline === undefined ? undefined : (pipeline as Document[]);
  if (localField === undefined) {
    if (!sub)
      throw new CommandError(
        ErrorCode.FailedToParse,
        "$lookup requires either 'pipeline' or both 'localField' and 'foreignField' to be specified",
      );
    const joined = runPipeline(foreign, sub, resolve, variables);
    return docs.map((d) => withField(d, as, joined));
  }
  if (typeof localField !== 'string' || typeof foreignField !== 'string') {
    throw new CommandError(
      ErrorCode.FailedToParse,
      "$lookup requires both 'localField' and 'foreignField'",
    );
  }
  return docs.map((doc) => {
    const keys = new Set<string>();
    for (const v of pathValues(doc, localField)) {
      if (Array.isArray(v)) {
        for (const e of v) keys.add(keyString(e));
        if (v.length === 0) keys.add(keyString(null));
      } else keys.add(keyString(v ?? null));
    }
    let matches = foreign.filter((f) =>
      pathValues(f, foreignField).some((v) =>
        Array.isArray(v) ? v.some((e) => keys.has(keyString(e))) : keys.has(keyString(v ?? null)),
      ),
    );
    if (sub) matches = runPipeline(matches, sub, resolve, variables);
    return withField(doc, as, matches);
  });
}

function facet(
  docs: Document[],
  spec: BsonValue,
  resolve: CollectionResolver,
  variables: Variables | undefined,
): Document[] {
  if (!isPlainDocument(spec)) throw badValue('the $facet specification must be an Object');
  const out: Document = {};
  for (const [name, pipeline] of Object.entries(spec)) {
    if (!Array.isArray(pipeline))
      throw badValue(`arguments to $facet must be arrays, ${name} is type ${typeof pipeline}`);
    setField(out, name, runPipeline(docs, pipeline as Document[], resolve, variables));
  }
  return [out];
}

/** `$sortByCount`: `{$group: {_id: <expression>, count: {$sum: 1}}}` then `{$sort: {count: -1}}`. */
function sortByCount(
  docs: Document[],
  spec: BsonValue,
  variables: Variables | undefined,
): Document[] {
  if (isPlainDocument(spec)) {
    if (Object.keys(spec)[0]?.startsWith('$') !== true) {
      throw new CommandError(
        40147,
        'the sortByCount field must be defined as a $-prefixed path or an expression inside an object',
        { codeName: 'Location40147' },
      );
    }
  } else if (typeof spec === 'string') {
    if (!spec.startsWith('$')) {
      throw new CommandError(
        40148,
        'the sortByCount field must be defined as a $-prefixed path or an expression inside an object',
        { codeName: 'Location40148' },
      );
    }
  } else {
    throw new CommandError(
      40149,
      'the sortByCount field must be specified as a string or as an object',
      { codeName: 'Location40149' },
    );
  }
  const grouped = runMingo(docs, { $group: { _id: spec, count: { $sum: 1 } } }, false, variables);
  return grouped.sort(sortComparator([['count', -1]]));
}

function countStage(docs: Document[], field: BsonValue): Document[] {
  if (typeof field !== 'string' || field === '' || field.startsWith('$') || field.includes('.')) {
    throw new CommandError(40157, 'the count field must be a non-empty string', {
      codeName: 'Location40157',
    });
  }
  return docs.length === 0 ? [] : [{ [field]: docs.length }];
}

function positive(stage: string, value: BsonValue, allowZero: boolean): number {
  const n = asNumber(value);
  if (n === undefined || !Number.isInteger(n) || n < 0 || (!allowZero && n === 0)) {
    throw badValue(
      `invalid argument to ${stage} stage: ${allowZero ? 'Expected a non-negative number' : 'the limit must be positive'}`,
    );
  }
  return n;
}

function stageOf(stage: unknown): [string, BsonValue] {
  if (!isPlainDocument(stage) || Object.keys(stage).length !== 1) {
    throw new CommandError(
      40323,
      'A pipeline stage specification object must contain exactly one field.',
      { codeName: 'Location40323' },
    );
  }
  return Object.entries(stage)[0] as [string, BsonValue];
}

function matchFilter(spec: BsonValue, variables?: Variables): Document {
  if (!isPlainDocument(spec)) throw badValue('the match filter must be an expression in an object');
  compileFilter(spec, variables);
  return spec;
}

function sortFields(spec: BsonValue): SortField[] {
  const fields = parseSort(spec);
  if (!fields) {
    throw new CommandError(15976, '$sort stage must have at least one sort key', {
      codeName: 'Location15976',
    });
  }
  return fields;
}

/**
 * The start of a pipeline that is a query of the collection, as MongoDB pushes it into its query
 * layer: leading `$match` stages (one filter), an optional `$sort`, then `$skip`/`$limit` stages;
 * and the stages after it.
 */
export interface PipelinePushdown {
  filter: Document | undefined;
  sort: SortField[] | undefined;
  /** The `$sort` document as given. */
  sortSpec: Document | undefined;
  skip: number;
  limit: number | undefined;
  rest: Document[];
}

/** Splits a pipeline into its query prefix and the rest (validating the prefix's stages). */
export function splitPushdown(pipeline: Document[], variables?: Variables): PipelinePushdown {
  const matches: Document[] = [];
  let i = 0;
  let sort: SortField[] | undefined;
  let sortSpec: Document | undefined;
  let skip = 0;
  let limit: number | undefined;
  for (; i < pipeline.length; i++) {
    const [name, spec] = stageOf(pipeline[i]);
    if (name !== '$match') break;
    matches.push(matchFilter(spec, variables));
  }
  const next = pipeline[i];
  if (next !== undefined && stageOf(next)[0] === '$sort') {
    sortSpec = stageOf(next)[1] as Document;
    sort = sortFields(sortSpec);
    i += 1;
  }
  for (; i < pipeline.length; i++) {
    const [name, spec] = stageOf(pipeline[i]);
    if (name === '$skip') {
      const n = positive('$skip', spec, true);
      if (limit !== undefined) limit = Math.max(0, limit - n);
      skip += n;
    } else if (name === '$limit') {
      const n = positive('$limit', spec, false);
      limit = limit === undefined ? n : Math.min(limit, n);
    } else {
      break;
    }
  }
  const filter =
    matches.length === 0 ? undefined : matches.length === 1 ? matches[0] : { $and: matches };
  return { filter, sort, sortSpec, skip, limit, rest: pipeline.slice(i) };
}

/**
 * Runs an aggregation pipeline over documents. `$match`, `$sort`, `$skip`, `$limit`, `$count`,
 * `$unwind`, `$lookup` and `$facet` run natively with MongoDB's BSON semantics; `$group`,
 * `$project`, `$addFields`/`$set`, `$unset`, `$replaceRoot`/`$replaceWith` run on mingo.
 */
export function runPipeline(
  input: Document[],
  pipeline: Document[],
  resolve: CollectionResolver,
  variables?: Variables,
): Document[] {
  let docs = input;
  for (const stage of pipeline) {
    const [name, spec] = stageOf(stage);
    switch (name) {
      case '$match': {
        const predicate = compileFilter(matchFilter(spec, variables), variables);
        docs = docs.filter((d) => predicate(d));
        break;
      }
      case '$sort': {
        const comparator = sortComparator(sortFields(spec));
        docs = [...docs].sort(comparator);
        break;
      }
      case '$skip':
        docs = docs.slice(positive('$skip', spec, true));
        break;
      case '$limit':
        docs = docs.slice(0, positive('$limit', spec, false));
        break;
      case '$count':
        docs = countStage(docs, spec);
        break;
      case '$unwind':
        docs = unwind(docs, spec);
        break;
      case '$lookup':
        docs = lookup(docs, spec, resolve, variables);
        break;
      case '$facet':
        docs = facet(docs, spec, resolve, variables);
        break;
      case '$graphLookup':
        docs = graphLookup(docs, spec, resolve, variables);
        break;
      case '$sortByCount':
        docs = sortByCount(docs, spec, variables);
        break;
      case '$group':
        docs = runMingo(docs, stage, false, variables);
        break;
      case '$project':
      case '$addFields':
      case '$set':
      case '$unset':
        docs = runMingo(docs, stage, true, variables);
        break;
      case '$replaceRoot':
      case '$replaceWith':
        docs = runMingo(docs, stage, false, variables);
        break;
      case '$out':
      case '$merge':
        throw new CommandError(40601, `${name} can only be the final stage in the pipeline`, {
          codeName: 'Location40601',
        });
      default:
        if (KNOWN_UNSUPPORTED.has(name)) throw notSupported(`aggregation stage ${name}`);
        throw new CommandError(40324, `Unrecognized pipeline stage name: '${name}'`, {
          codeName: 'Location40324',
        });
    }
  }
  return docs;
}
