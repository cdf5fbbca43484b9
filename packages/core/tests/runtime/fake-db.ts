import type { Db } from 'mongodb';
import { FakeStream, networkError } from './fakes.js';

/** A Db whose jobs collection records calls; `createIndexes` fails while `failIndexes` is set. */
export function fakeDb(
  options: {
    failIndexes?: unknown;
    failWrites?: unknown;
    failHeartbeat?: unknown;
    serverVersion?: unknown;
    /** Round trips that wait for a promise before they answer (`command`: `buildInfo`). */
    hold?: {
      createIndexes?: Promise<void>;
      updateMany?: Promise<void>;
      command?: Promise<void>;
      find?: Promise<void>;
    };
  } = {},
) {
  const calls: string[] = [];
  /** Commands sent with `db.command` (`buildInfo`). */
  const commands: Record<string, unknown>[] = [];
  const streams: FakeStream[] = [];
  /** The streams of the control collection (pauses). */
  const controlStreams: FakeStream[] = [];
  const inserted: unknown[] = [];
  const state = { ...options };
  const collection = {
    collectionName: 'monque_jobs',
    createIndexes: async () => {
      calls.push('createIndexes');
      await state.hold?.createIndexes;
      if (state.failIndexes !== undefined) throw state.failIndexes;
    },
    updateMany: async () => {
      calls.push('updateMany');
      await state.hold?.updateMany;
      if (state.failHeartbeat !== undefined) throw state.failHeartbeat;
      return { modifiedCount: 0 };
    },
    insertMany: async (documents: unknown[]) => {
      calls.push('insertMany');
      if (state.failWrites !== undefined) throw state.failWrites;
      inserted.push(...documents);
      return {
        insertedIds: Object.fromEntries(documents.map((_, index) => [index, `id${index}`])),
      };
    },
    insertOne: async (document: unknown) => {
      calls.push('insertOne');
      if (state.failWrites !== undefined) throw state.failWrites;
      inserted.push(document);
      return { insertedId: 'id' };
    },
    findOne: async () => {
      calls.push('findOne');
      throw networkError('lookup failed');
    },
    findOneAndUpdate: async () => {
      calls.push('findOneAndUpdate');
      if (state.failWrites !== undefined) throw state.failWrites;
      return null;
    },
    find: () => ({
      toArray: async () => {
        calls.push('find');
        await state.hold?.find;
        return [];
      },
    }),
    watch: () => {
      const stream = new FakeStream();
      streams.push(stream);
      return stream;
    },
  };
  const control = {
    ...collection,
    collectionName: 'monque_jobs_control',
    watch: () => {
      const stream = new FakeStream();
      controlStreams.push(stream);
      return stream;
    },
  };
  const db = {
    collection: (name: string) => (name.endsWith('_control') ? control : collection),
    command: async (command: Record<string, unknown>) => {
      commands.push(command);
      await state.hold?.command;
      return { version: state.serverVersion ?? '7.0.0', ok: 1 };
    },
  } as unknown as Db;
  return { db, calls, commands, state, streams, controlStreams, inserted };
}
