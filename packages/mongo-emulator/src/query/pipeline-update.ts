import type { Document } from 'bson';
import { CommandError, ErrorCode } from '../errors.js';
import { isPlainDocument } from './bson-types.js';
import { runMingoPipeline, type Variables } from './mingo-bridge.js';
import { restoreTypes } from './restore-types.js';

const ALLOWED = new Set([
  '$addFields',
  '$set',
  '$project',
  '$unset',
  '$replaceRoot',
  '$replaceWith',
]);

/** Applies an aggregation-pipeline update to a copy of `doc`; `_id` is kept, as MongoDB does. */
export function applyPipelineUpdate(
  doc: Document,
  pipeline: Document[],
  variables?: Variables,
): Document {
  for (const stage of pipeline) {
    const name = isPlainDocument(stage) ? Object.keys(stage)[0] : undefined;
    if (name === undefined || !ALLOWED.has(name)) {
      throw new CommandError(
        ErrorCode.InvalidOptions,
        `${name ?? 'stage'} is not allowed to be used within an update`,
      );
    }
  }
  const computed = runMingoPipeline(doc, pipeline, variables);
  const restored = restoreTypes(doc, computed ?? {}) as Document;
  if (doc._id === undefined) return restored;
  const { _id, ...rest } = restored;
  return { _id: _id ?? doc._id, ...rest };
}
