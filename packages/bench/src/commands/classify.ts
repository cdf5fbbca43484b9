import type { Document } from 'mongodb';
import type { LibraryName } from '../libraries/types.js';
import type { Phase } from './phases.js';

/** Tells what a command (as the driver sent it) was for; `claim` is refined by the reply. */
export type Classifier = (command: Document) => Phase;

function isDocument(value: unknown): value is Document {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function field(value: unknown, key: string): unknown {
  return isDocument(value) ? value[key] : undefined;
}

/** The first statement of an `update` command: its filter and its update. */
function firstUpdate(command: Document): { q: unknown; u: unknown } {
  const updates: unknown = command.updates;
  const first: unknown = Array.isArray(updates) ? updates[0] : undefined;
  return { q: field(first, 'q'), u: field(first, 'u') };
}

/** Commands every library sends alike. */
function common(command: Document): Phase | undefined {
  if ('insert' in command) {
    return 'enqueue';
  }
  if ('getMore' in command || 'killCursors' in command) {
    return 'changeStream';
  }
  if ('aggregate' in command) {
    const pipeline: unknown = command.pipeline;
    const first: unknown = Array.isArray(pipeline) ? pipeline[0] : undefined;
    return isDocument(first) && '$changeStream' in first ? 'changeStream' : 'lookup';
  }
  if ('createIndexes' in command || 'listIndexes' in command || 'create' in command) {
    return 'setup';
  }
  if ('find' in command || 'count' in command) {
    return 'lookup';
  }
  return undefined;
}

/** Whether a filter selects due pending jobs (`status: 'pending', nextRunAt: { $lte }`). */
function selectsDueJobs(filter: unknown): boolean {
  return (
    field(filter, 'status') === 'pending' && field(field(filter, 'nextRunAt'), '$lte') !== undefined
  );
}

/**
 * Monque's commands (see packages/core/src: claim/, heartbeat/, processing/, notify/). Claims are
 * either one `findAndModify`, or a batch: `find` of due candidates, `updateMany` to processing,
 * `find` of the claimed documents. Outcomes are fenced updates (one, or a `bulkWrite` batch).
 */
export const classifyMonque: Classifier = (command) => {
  if ('find' in command) {
    const filter: unknown = command.filter;
    if (selectsDueJobs(filter)) {
      return 'claim';
    }
    if (field(filter, 'status') === 'processing' && field(filter, 'lockedAt') !== undefined) {
      return 'claim';
    }
    if (field(field(filter, '_id'), '$in') !== undefined && field(filter, 'status') === undefined) {
      // Checking which outcome writes of a batch landed.
      return 'completion';
    }
    return 'lookup';
  }
  const shared = common(command);
  if (shared !== undefined) {
    return shared;
  }
  if ('findAndModify' in command) {
    if (command.upsert === true) {
      return 'enqueue';
    }
    const set = field(command.update, '$set');
    return field(set, 'status') === 'processing' ? 'claim' : 'other';
  }
  if ('update' in command) {
    const { q, u } = firstUpdate(command);
    const set = field(u, '$set');
    if (field(set, 'status') === 'processing') {
      return 'claim';
    }
    if (field(q, 'lastHeartbeat') !== undefined) {
      return 'heartbeat';
    }
    if (isDocument(set) && Object.keys(set).length === 1 && 'lastHeartbeat' in set) {
      return 'heartbeat';
    }
    if (field(q, 'claimedBy') !== undefined && field(q, 'lockedAt') !== undefined) {
      return 'completion';
    }
    return 'other';
  }
  return 'other';
};

/** Agenda's commands (see @agendajs/mongo-backend MongoJobRepository and agenda Job.run). */
export const classifyAgenda: Classifier = (command) => {
  const shared = common(command);
  if (shared !== undefined) {
    return shared;
  }
  if ('findAndModify' in command) {
    if (command.upsert === true) {
      return 'enqueue';
    }
    const set = field(command.update, '$set');
    return field(set, 'lockedAt') instanceof Date ? 'claim' : 'other';
  }
  if ('update' in command) {
    const { u } = firstUpdate(command);
    const set = field(u, '$set');
    if (set === undefined) {
      return 'other';
    }
    if (field(set, 'lastFinishedAt') instanceof Date) {
      return 'completion';
    }
    return field(set, 'lastRunAt') instanceof Date ? 'start' : 'other';
  }
  return 'other';
};

/** The classifier of a library. */
export function classifierFor(library: LibraryName): Classifier {
  return library === 'monque' ? classifyMonque : classifyAgenda;
}
