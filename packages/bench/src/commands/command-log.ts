import type {
  CommandFailedEvent,
  CommandStartedEvent,
  CommandSucceededEvent,
  MongoClient,
} from 'mongodb';
import type { Classifier } from './classify.js';
import { type CommandCounts, emptyPhaseCounts, type Phase } from './phases.js';

/**
 * Counts the commands a client sends (driver command monitoring: the client must be created with
 * `monitorCommands: true`). Commands are counted by name when they start and by phase when they
 * finish, because only the reply tells whether a claim found a job.
 */
export class CommandLog {
  readonly #client: MongoClient;
  readonly #classify: Classifier;
  readonly #inFlight = new Map<string, Phase>();
  readonly #byCommand: Record<string, number> = {};
  readonly #byPhase = emptyPhaseCounts();
  #total = 0;

  readonly #onStarted = (event: CommandStartedEvent): void => {
    this.#total += 1;
    this.#byCommand[event.commandName] = (this.#byCommand[event.commandName] ?? 0) + 1;
    this.#inFlight.set(key(event), this.#classify(event.command));
  };

  readonly #onSucceeded = (event: CommandSucceededEvent): void => {
    let phase = this.#take(event);
    if (phase === 'claim' && isEmptyReply(event.reply)) {
      phase = 'emptyPoll';
    }
    this.#byPhase[phase] += 1;
  };

  readonly #onFailed = (event: CommandFailedEvent): void => {
    this.#byPhase[this.#take(event)] += 1;
  };

  constructor(client: MongoClient, classify: Classifier) {
    this.#client = client;
    this.#classify = classify;
    client.on('commandStarted', this.#onStarted);
    client.on('commandSucceeded', this.#onSucceeded);
    client.on('commandFailed', this.#onFailed);
  }

  /** The counts so far (commands still in flight are in `total` and `byCommand` only). */
  snapshot(): CommandCounts {
    return { total: this.#total, byCommand: { ...this.#byCommand }, byPhase: { ...this.#byPhase } };
  }

  /** Stops counting. */
  detach(): void {
    this.#client.off('commandStarted', this.#onStarted);
    this.#client.off('commandSucceeded', this.#onSucceeded);
    this.#client.off('commandFailed', this.#onFailed);
  }

  #take(event: CommandSucceededEvent | CommandFailedEvent): Phase {
    const id = key(event);
    const phase = this.#inFlight.get(id) ?? 'other';
    this.#inFlight.delete(id);
    return phase;
  }
}

function key(event: { connectionId?: string | number; requestId: number }): string {
  return `${String(event.connectionId)}:${event.requestId}`;
}

/** A `findAndModify` that returned no document, or a `find` whose first batch is empty. */
function isEmptyReply(reply: unknown): boolean {
  if (typeof reply !== 'object' || reply === null) {
    return false;
  }
  if ('value' in reply) {
    return reply.value === null;
  }
  if ('cursor' in reply && typeof reply.cursor === 'object' && reply.cursor !== null) {
    const cursor: object = reply.cursor;
    return (
      'firstBatch' in cursor &&
      Array.isArray(cursor.firstBatch) &&
      cursor.firstBatch.length === 0 &&
      (!('id' in cursor) || Number(cursor.id) === 0)
    );
  }
  return false;
}
