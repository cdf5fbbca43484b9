import type { Document } from 'bson';
import {
  type ChangeStream,
  type ChangeStreamDocument,
  type CommandStartedEvent,
  type CommandSucceededEvent,
  MongoClient,
} from 'mongodb';
import { MongoEmulator, type MongoEmulatorOptions } from '../../src/server.js';

/** A document whose `_id` is a number or a string. */
export interface AnyDoc {
  _id: number | string;
  [field: string]: unknown;
}

/**
 * How long a test waits for an expected event before failing: a guard against a test that would
 * hang, not a measurement (a busy machine can take seconds where an idle one takes milliseconds).
 */
export const WAIT_MS = 30_000;

/** A running emulator with a driver client that reports command events. */
export interface Harness {
  emulator: MongoEmulator;
  client: MongoClient;
  close(): Promise<void>;
}

/** Starts an emulator (a replica set unless told otherwise) and connects a client to it. */
export async function startHarness(options: MongoEmulatorOptions = {}): Promise<Harness> {
  const emulator = await MongoEmulator.start({ port: 0, replicaSet: 'rs0', ...options });
  const client = new MongoClient(emulator.uri, {
    monitorCommands: true,
    serverSelectionTimeoutMS: WAIT_MS,
  });
  await client.connect();
  return {
    emulator,
    client,
    async close() {
      try {
        await client.close();
      } finally {
        await emulator.stop();
      }
    },
  };
}

/** Rejects `promise` when it has not settled within `ms`. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: nothing within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Resolves on the next successful command named `name` sent by `client`. */
export function nextSuccess(client: MongoClient, name: string): Promise<CommandSucceededEvent> {
  return within(
    new Promise<CommandSucceededEvent>((resolve) => {
      const listener = (event: CommandSucceededEvent): void => {
        if (event.commandName !== name) return;
        client.off('commandSucceeded', listener);
        resolve(event);
      };
      client.on('commandSucceeded', listener);
    }),
    WAIT_MS,
    `a successful ${name}`,
  );
}

/** Resolves on the next command named `name` that `client` starts. */
export function nextStarted(client: MongoClient, name: string): Promise<CommandStartedEvent> {
  return within(
    new Promise<CommandStartedEvent>((resolve) => {
      const listener = (event: CommandStartedEvent): void => {
        if (event.commandName !== name) return;
        client.off('commandStarted', listener);
        resolve(event);
      };
      client.on('commandStarted', listener);
    }),
    WAIT_MS,
    `a started ${name}`,
  );
}

/** A change stream whose `aggregate` has been answered, with its first `next()` pending. */
export interface OpenedStream<T extends Document = Document> {
  stream: ChangeStream<T, ChangeStreamDocument<T>>;
  /** The first change (requested before the stream was known to be open). */
  first: Promise<ChangeStreamDocument<T>>;
  /** The reply of the opening aggregate. */
  reply: Document;
}

/**
 * Opens a change stream and waits until the server answered its `aggregate`, so that writes made
 * afterwards are certain to be reported.
 */
export async function openStream<T extends Document = Document>(
  client: MongoClient,
  watch: () => ChangeStream<T, ChangeStreamDocument<T>>,
): Promise<OpenedStream<T>> {
  const opened = nextSuccess(client, 'aggregate');
  const stream = watch();
  const first = stream.next();
  // Attach a handler now so an early failure is not reported as unhandled; callers await `first`.
  first.catch(() => undefined);
  const event = await opened;
  return { stream, first, reply: event.reply as Document };
}

/** The next change, failing the test if none arrives within {@link WAIT_MS}. */
export function nextChange<T extends Document>(
  stream: ChangeStream<T, ChangeStreamDocument<T>>,
): Promise<ChangeStreamDocument<T>> {
  return within(stream.next(), WAIT_MS, 'the next change');
}
