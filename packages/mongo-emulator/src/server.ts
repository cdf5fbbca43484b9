import { createServer, type Server, type Socket } from 'node:net';
import { type Document, Long, ObjectId } from 'bson';
import { ChangeLog } from './changestreams/change-log.js';
import { LogicalClock } from './clock.js';
import type { ServerRuntime } from './commands/admin/server-context.js';
import type { ServerFacts } from './commands/context.js';
import { CommandRegistry } from './commands/registry.js';
import { ServerCursorManager } from './cursors.js';
import { Dispatcher } from './dispatch.js';
import { FailPointRegistry } from './failpoints.js';
import { RetryableWriteCache } from './sessions.js';
import { StorageEngine } from './storage/engine.js';
import { TransactionCoordinator } from './transactions/index.js';
import { ClientConnection } from './wire/connection.js';

/** Options of {@link MongoEmulator.start}. */
export interface MongoEmulatorOptions {
  /** TCP port; 0 (the default) picks a free one. */
  port?: number;
  /** Address to listen on and to report in `hello` and the URI. Default `127.0.0.1`. */
  host?: string;
  /** Replica set name (default `'rs0'`), or `false` for a standalone server. */
  replicaSet?: string | false;
  /** Interval of the TTL monitor that deletes expired documents. Default 60 000 ms, as mongod. */
  ttlMonitorIntervalMs?: number;
  /** Idle time after which a cursor is killed. Default 10 minutes, as mongod. */
  cursorTimeoutMs?: number;
  /**
   * Age in seconds at which a multi-document transaction in progress is aborted (mongod's
   * `transactionLifetimeLimitSeconds`). Default 60 (`DEFAULT_TRANSACTION_LIFETIME_LIMIT_SECONDS`);
   * fractions are allowed (for tests).
   */
  transactionLifetimeLimitSeconds?: number;
  /**
   * Receives errors that are bugs in the emulator (the command answers `InternalError`).
   * Default: written to `console.error`.
   */
  onInternalError?: (error: unknown, command: Document) => void;
}

/** Default interval of the TTL monitor, as mongod's `ttlMonitorSleepSecs` (60 s). */
export const DEFAULT_TTL_MONITOR_INTERVAL_MS = 60_000;

/** The data of one emulated server: kept across stop/start on the same port. */
interface ServerData {
  clock: LogicalClock;
  engine: StorageEngine;
  changeLog: ChangeLog;
}

/**
 * Process-wide data by port: a server started again on the port of a stopped one (by passing that
 * port explicitly) finds its data (databases, documents, indexes, change history), as a restarted
 * mongod finds its data files. A server started with port 0 always starts empty. Use
 * {@link MongoEmulator.discardData} to forget a port's data.
 */
const dataByPort = new Map<number, ServerData>();

/**
 * An in-process MongoDB test server speaking the wire protocol, so the official `mongodb` driver
 * connects to it over TCP.
 *
 * ```ts
 * const server = await MongoEmulator.start({ port: 0, replicaSet: 'rs0' });
 * const client = new MongoClient(server.uri);
 * // ...
 * await client.close();
 * await server.stop();
 * ```
 */
export class MongoEmulator {
  /** Host clients connect to (as in the URI). */
  readonly host: string;
  /** The port the server listens on. */
  readonly port: number;
  /** Replica set name, or false for a standalone server. */
  readonly replicaSet: string | false;
  /** The storage of this server (shared with every later server on the same port). */
  readonly engine: StorageEngine;
  /** The logical clock of this server's data. */
  readonly clock: LogicalClock;
  /** The change history of this server's data. */
  readonly changeLog: ChangeLog;
  /** The fail points of this server start (a restart clears them). */
  readonly failPoints: FailPointRegistry;
  /** The open cursors. */
  readonly cursors: ServerCursorManager;
  /** The sessions' multi-document transactions (this server start's; a restart aborts them). */
  readonly transactions: TransactionCoordinator;
  private readonly options: MongoEmulatorOptions;
  private readonly listener: Server;
  private readonly connections = new Set<ClientConnection>();
  private readonly abort = new AbortController();
  private stopping: Promise<void> | undefined;
  private totalConnections = 0;

  private constructor(
    listener: Server,
    facts: ServerFacts,
    data: ServerData,
    options: MongoEmulatorOptions,
  ) {
    this.listener = listener;
    this.host = facts.host;
    this.port = facts.port;
    this.replicaSet = facts.replicaSet;
    this.engine = data.engine;
    this.clock = data.clock;
    this.changeLog = data.changeLog;
    this.options = options;
    this.failPoints = new FailPointRegistry();
    this.cursors = new ServerCursorManager(
      options.cursorTimeoutMs !== undefined ? { cursorTimeoutMs: options.cursorTimeoutMs } : {},
    );
    const startedAt = new Date();
    const runtime: ServerRuntime = {
      startedAt,
      currentConnections: () => this.connections.size,
      totalConnectionsCreated: () => this.totalConnections,
      topologyVersion: { processId: new ObjectId(), counter: Long.fromNumber(0) },
    };
    const retryableWrites = new RetryableWriteCache();
    this.transactions = new TransactionCoordinator({
      engine: data.engine,
      retryableWrites,
      ...(options.transactionLifetimeLimitSeconds !== undefined
        ? { lifetimeLimitSeconds: options.transactionLifetimeLimitSeconds }
        : {}),
    });
    const dispatcher = new Dispatcher({
      server: facts,
      clock: data.clock,
      engine: data.engine,
      changeLog: data.changeLog,
      cursors: this.cursors,
      failPoints: this.failPoints,
      retryableWrites,
      transactions: this.transactions,
      runtime,
      registry: new CommandRegistry(),
      signal: this.abort.signal,
      onInternalError: options.onInternalError ?? reportInternalError,
    });
    let nextConnectionId = 1;
    listener.on('connection', (socket: Socket) => {
      if (this.stopping !== undefined) {
        socket.destroy();
        return;
      }
      const onInternalError = options.onInternalError ?? reportInternalError;
      const connection = new ClientConnection(
        nextConnectionId++,
        socket,
        (incoming, from) => dispatcher.run(incoming, from),
        (error) => onInternalError(error, {}),
      );
      this.totalConnections += 1;
      this.connections.add(connection);
      connection.onClose(() => this.connections.delete(connection));
    });
  }

  /**
   * Starts a server and resolves once it listens. Started on the (explicit) port of a stopped
   * server, it serves that server's data; with port 0 it starts empty.
   */
  static async start(options: MongoEmulatorOptions = {}): Promise<MongoEmulator> {
    const host = options.host ?? '127.0.0.1';
    const replicaSet = options.replicaSet ?? 'rs0';
    const listener = createServer();
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      listener.once('error', onError);
      listener.listen(options.port ?? 0, host, () => {
        listener.off('error', onError);
        resolve();
      });
    });
    const address = listener.address();
    if (address === null || typeof address === 'string') {
      listener.close();
      throw new Error('mongo-emulator: the server has no TCP address');
    }
    const port = address.port;
    // A fixed port finds the data of the server stopped there; a random port always starts empty.
    let data = options.port ? dataByPort.get(port) : undefined;
    if (data === undefined) {
      MongoEmulator.discardData(port);
      const clock = new LogicalClock();
      const engine = new StorageEngine(clock);
      data = { clock, engine, changeLog: new ChangeLog(engine) };
      dataByPort.set(port, data);
    }
    const server = new MongoEmulator(listener, { host, port, replicaSet }, data, options);
    data.engine.startTtlMonitor(options.ttlMonitorIntervalMs ?? DEFAULT_TTL_MONITOR_INTERVAL_MS);
    return server;
  }

  /**
   * Forgets the data kept for `port` (after its server stopped); the next server on that port
   * starts empty.
   */
  static discardData(port: number): void {
    const data = dataByPort.get(port);
    if (data === undefined) return;
    dataByPort.delete(port);
    data.changeLog.close();
    data.engine.dispose();
  }

  /** `mongodb://host:port/` plus `?replicaSet=NAME` in replica-set mode. */
  get uri(): string {
    const base = `mongodb://${formatHost(this.host)}:${this.port}/`;
    return this.replicaSet === false ? base : `${base}?replicaSet=${this.replicaSet}`;
  }

  /** Number of open client connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** True once {@link stop} was called. */
  get isStopped(): boolean {
    return this.stopping !== undefined;
  }

  /**
   * Destroys every client connection now, without replies; the server keeps listening (the driver
   * sees network errors and reconnects).
   */
  dropConnections(): void {
    for (const connection of [...this.connections]) connection.destroy();
  }

  /**
   * Stops listening, closes every connection and kills every cursor. The data stays for the next
   * server on this port. Safe to call more than once.
   */
  stop(): Promise<void> {
    if (this.stopping === undefined) {
      this.stopping = this.shutdown();
    }
    return this.stopping;
  }

  /** Stops this server and starts a new one on the same port with the same options and data. */
  async restart(): Promise<MongoEmulator> {
    await this.stop();
    return MongoEmulator.start({ ...this.options, port: this.port });
  }

  private async shutdown(): Promise<void> {
    this.abort.abort();
    const closed = new Promise<void>((resolve, reject) => {
      this.listener.close((error) => (error ? reject(error) : resolve()));
    });
    this.dropConnections();
    this.cursors.closeAll();
    this.transactions.close();
    this.engine.stopTtlMonitor();
    await closed;
  }
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function reportInternalError(error: unknown, command: Document): void {
  const name = Object.keys(command)[0] ?? '';
  console.error(`mongo-emulator: internal error in command '${name}'`, error);
}
