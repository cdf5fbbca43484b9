import type { Document } from 'bson';
import {
  BSON,
  type ChangeStream,
  ClientSession,
  type ClientSessionOptions,
  type Collection,
  type CommandFailedEvent,
  type CommandStartedEvent,
  type CommandSucceededEvent,
  type Db,
  MongoClient,
  type MongoClientOptions,
} from 'mongodb';
import { toDriverOptions } from './arguments.js';
import { RunnerError } from './runner-error.js';

/** A command monitoring event as the runner records it. */
export type ObservedEvent =
  | { type: 'commandStartedEvent'; commandName: string; databaseName: string; command: Document }
  | { type: 'commandSucceededEvent'; commandName: string; databaseName: string; reply: Document }
  | { type: 'commandFailedEvent'; commandName: string; databaseName: string };

/** Commands the runner never records (security-sensitive ones and the runner's own). */
const ALWAYS_IGNORED = new Set([
  'configurefailpoint',
  'hello',
  'ismaster',
  'authenticate',
  'saslstart',
  'saslcontinue',
  'getnonce',
]);

/** A `client` entity: the driver client and the events it observes. */
export class ClientEntity {
  readonly events: ObservedEvent[] = [];
  private recording = true;

  constructor(
    readonly client: MongoClient,
    observe: readonly string[],
    ignore: readonly string[],
  ) {
    const ignored = new Set([...ALWAYS_IGNORED, ...ignore.map((name) => name.toLowerCase())]);
    const keep = (name: string): boolean => this.recording && !ignored.has(name.toLowerCase());
    if (observe.includes('commandStartedEvent')) {
      client.on('commandStarted', (event: CommandStartedEvent) => {
        if (!keep(event.commandName)) return;
        this.events.push({
          type: 'commandStartedEvent',
          commandName: event.commandName,
          databaseName: event.databaseName,
          // A copy: the driver may change objects it sent later (it adds `afterClusterTime` to a
          // client-level `readConcern` object it put into an earlier command).
          command: snapshot(event.command),
        });
      });
    }
    if (observe.includes('commandSucceededEvent')) {
      client.on('commandSucceeded', (event: CommandSucceededEvent) => {
        if (!keep(event.commandName)) return;
        this.events.push({
          type: 'commandSucceededEvent',
          commandName: event.commandName,
          databaseName: event.databaseName,
          reply: event.reply as Document,
        });
      });
    }
    if (observe.includes('commandFailedEvent')) {
      client.on('commandFailed', (event: CommandFailedEvent) => {
        if (!keep(event.commandName)) return;
        this.events.push({
          type: 'commandFailedEvent',
          commandName: event.commandName,
          databaseName: event.databaseName,
        });
      });
    }
  }

  /** Stops recording (before the runner's own clean-up commands). */
  stopRecording(): void {
    this.recording = false;
  }
}

/** Every entity of one test: clients, databases, collections, change streams, saved results. */
export class EntityMap {
  private readonly entries = new Map<string, unknown>();

  /** The `lsid` of each session entity, kept from its start (ending a session drops its id). */
  private readonly lsids = new Map<string, Document>();

  /** Creates the entities of `createEntities`, in order. */
  static async create(uri: string, definitions: readonly Document[]): Promise<EntityMap> {
    const entities = new EntityMap();
    await entities.add(uri, definitions);
    return entities;
  }

  /** Creates more entities (the `createEntities` operation). */
  async add(uri: string, definitions: readonly Document[]): Promise<void> {
    for (const definition of definitions) {
      const [kind, spec] = Object.entries(definition)[0] as [string, Document];
      await this.createOne(uri, kind, spec);
    }
  }

  private async createOne(uri: string, kind: string, spec: Document): Promise<void> {
    const id = String(spec.id);
    switch (kind) {
      case 'client': {
        const options: MongoClientOptions = {
          monitorCommands: true,
          serverSelectionTimeoutMS: 5000,
          ...(toDriverOptions(spec.uriOptions ?? {}) as MongoClientOptions),
        };
        const client = new MongoClient(uri, options);
        const entity = new ClientEntity(
          client,
          (spec.observeEvents as string[] | undefined) ?? [],
          (spec.ignoreCommandMonitoringEvents as string[] | undefined) ?? [],
        );
        this.set(id, entity);
        await client.connect();
        return;
      }
      case 'database': {
        const client = this.client(String(spec.client)).client;
        this.set(
          id,
          client.db(String(spec.databaseName), toDriverOptions(spec.databaseOptions ?? {})),
        );
        return;
      }
      case 'collection': {
        const db = this.database(String(spec.database));
        this.set(
          id,
          db.collection(String(spec.collectionName), toDriverOptions(spec.collectionOptions ?? {})),
        );
        return;
      }
      case 'session': {
        const client = this.client(String(spec.client)).client;
        const session = client.startSession(sessionOptions(spec.sessionOptions ?? {}));
        this.set(id, session);
        this.lsids.set(id, session.id as Document);
        return;
      }
      default:
        throw new RunnerError(`the runner does not implement ${kind} entities`);
    }
  }

  /** Stores an entity (ids are unique). */
  set(id: string, value: unknown): void {
    if (this.entries.has(id)) throw new RunnerError(`entity ${id} already exists`);
    this.entries.set(id, value);
  }

  /** Any entity by id. */
  get(id: string): unknown {
    if (!this.entries.has(id)) throw new RunnerError(`no entity ${id}`);
    return this.entries.get(id);
  }

  client(id: string): ClientEntity {
    const value = this.get(id);
    if (!(value instanceof ClientEntity)) throw new RunnerError(`entity ${id} is not a client`);
    return value;
  }

  database(id: string): Db {
    return this.get(id) as Db;
  }

  collection(id: string): Collection<Document> {
    return this.get(id) as Collection<Document>;
  }

  session(id: string): ClientSession {
    const value = this.get(id);
    if (!(value instanceof ClientSession)) throw new RunnerError(`entity ${id} is not a session`);
    return value;
  }

  /** The `lsid` a session entity's commands carry. */
  sessionLsid(id: string): Document {
    const lsid = this.lsids.get(id);
    if (lsid === undefined) throw new RunnerError(`entity ${id} is not a session`);
    return lsid;
  }

  /** Every client entity. */
  clients(): ClientEntity[] {
    return [...this.entries.values()].filter(
      (value): value is ClientEntity => value instanceof ClientEntity,
    );
  }

  /** Closes change streams, ends sessions (aborting their transactions), then closes clients. */
  async close(): Promise<void> {
    const failures: unknown[] = [];
    for (const value of this.entries.values()) {
      if (isChangeStream(value))
        await value.close().catch((error: unknown) => failures.push(error));
    }
    for (const value of this.entries.values()) {
      if (value instanceof ClientSession && !value.hasEnded) {
        await value.endSession().catch((error: unknown) => failures.push(error));
      }
    }
    for (const entity of this.clients()) {
      entity.stopRecording();
      await entity.client.close().catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw new AggregateError(failures, 'closing the test entities failed');
  }
}

/** True for a driver change stream. */
export function isChangeStream(value: unknown): value is ChangeStream<Document> {
  return (
    typeof value === 'object' &&
    value !== null &&
    'resumeToken' in value &&
    typeof (value as { close?: unknown }).close === 'function'
  );
}

/** A deep copy of a sent command, with its BSON types as sent. */
function snapshot(command: Document): Document {
  return BSON.deserialize(BSON.serialize(command), { promoteLongs: false });
}

/** The driver's options of a `session` entity's `sessionOptions`. */
function sessionOptions(spec: Document): ClientSessionOptions {
  const options: ClientSessionOptions = {};
  if (typeof spec.causalConsistency === 'boolean')
    options.causalConsistency = spec.causalConsistency;
  if (typeof spec.snapshot === 'boolean') options.snapshot = spec.snapshot;
  if (spec.defaultTransactionOptions !== undefined) {
    options.defaultTransactionOptions = toDriverOptions(spec.defaultTransactionOptions as Document);
  }
  return options;
}
