import type { Document } from 'bson';
import { CommandError, notSupported } from '../errors.js';
import { runPipeline } from '../query/aggregate.js';
import { ChangeStreamErrorCode } from './errors.js';

/** The stages MongoDB allows after `$changeStream` that the emulator runs (as `aggregate` does). */
const SUPPORTED_STAGES = new Set([
  '$match',
  '$project',
  '$addFields',
  '$set',
  '$unset',
  '$replaceRoot',
  '$replaceWith',
]);

/** Every other aggregation stage name MongoDB 7 knows (unknown names are error 40324). */
const KNOWN_STAGES = new Set([
  '$bucket',
  '$bucketAuto',
  '$changeStreamSplitLargeEvent',
  '$collStats',
  '$count',
  '$currentOp',
  '$densify',
  '$documents',
  '$facet',
  '$fill',
  '$geoNear',
  '$graphLookup',
  '$group',
  '$indexStats',
  '$limit',
  '$listLocalSessions',
  '$listSampledQueries',
  '$listSearchIndexes',
  '$listSessions',
  '$lookup',
  '$merge',
  '$out',
  '$planCacheStats',
  '$queryStats',
  '$redact',
  '$sample',
  '$search',
  '$searchMeta',
  '$setWindowFields',
  '$shardedDataDistribution',
  '$skip',
  '$sort',
  '$sortByCount',
  '$unionWith',
  '$unwind',
  '$vectorSearch',
]);

/** The user's stages after `$changeStream`, applied to one event at a time. */
export interface EventPipeline {
  /** The event after the stages, or null when a `$match` filtered it out. */
  apply(event: Document): Document | null;
}

function stageName(stage: unknown, index: number): string {
  if (typeof stage !== 'object' || stage === null || Array.isArray(stage)) {
    throw new CommandError(
      14,
      `Each element of the 'pipeline' array must be an object, but element ${index} is not`,
    );
  }
  const keys = Object.keys(stage);
  if (keys.length !== 1) {
    throw new CommandError(
      40323,
      'A pipeline stage specification object must contain exactly one field.',
    );
  }
  return keys[0] as string;
}

/** Validates the stages after `$changeStream` and prepares them for per-event use. */
export function compileEventPipeline(stages: unknown[]): EventPipeline {
  stages.forEach((stage, offset) => {
    const name = stageName(stage, offset + 1);
    if (name === '$changeStream') {
      throw new CommandError(
        ChangeStreamErrorCode.FirstStageOnly,
        '$changeStream is only valid as the first stage in a pipeline',
      );
    }
    if (SUPPORTED_STAGES.has(name)) return;
    if (KNOWN_STAGES.has(name)) throw notSupported(`The ${name} stage in a change stream`);
    throw new CommandError(
      ChangeStreamErrorCode.UnrecognizedStage,
      `Unrecognized pipeline stage name: '${name}'`,
    );
  });
  if (stages.length === 0) return { apply: (event) => event };
  const pipeline = stages as Document[];
  return {
    apply(event: Document): Document | null {
      // The allowed stages never read another collection.
      const [result] = runPipeline([event], pipeline, () => []);
      return result === undefined ? null : idFirst(result);
    },
  };
}

/** MongoDB keeps `_id` as an event's first field through `$project`; mingo moves it last. */
function idFirst(document: Document): Document {
  if (!('_id' in document) || Object.keys(document)[0] === '_id') return document;
  const { _id, ...rest } = document;
  return { _id, ...rest };
}
