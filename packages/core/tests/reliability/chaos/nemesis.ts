import { setTimeout as delay } from 'node:timers/promises';
import type { Admin, Document } from 'mongodb';
import type { LogWriter } from '../support/execution-log.js';
import type { DatabaseHost } from './database-host.js';
import type { Prng } from './prng.js';
import type { WorkerPool, WorkerSlot } from './worker-pool.js';

/** What the nemesis does to the run. */
export type Disturbance = 'kill' | 'freeze' | 'fail-point' | 'outage';

/** How often each disturbance is drawn, once each has happened once. */
const WEIGHTS: Readonly<Record<Disturbance, number>> = {
  kill: 3,
  freeze: 1,
  'fail-point': 3,
  outage: 1,
};

/** A transient server error (ExceededTimeLimit). */
const TRANSIENT_CODE = 262;

/**
 * The fail points the nemesis injects, each into one client (by its `appName`): a worker's, or
 * the producer's for `enqueue-errors`. `commands` are what the fail point fails.
 */
const FAIL_POINTS = {
  /** Heartbeats, claims of several jobs and outcome writes fail: a lease may lapse. */
  'write-errors': { commands: ['update'], data: { errorCode: TRANSIENT_CODE, errorLabels: [] } },
  /** The same with the label the driver retries once. */
  'retryable-write-errors': {
    commands: ['update'],
    data: { errorCode: TRANSIENT_CODE, errorLabels: ['RetryableWriteError'] },
  },
  /** Claims of one job and polls fail. */
  'claim-errors': {
    commands: ['findAndModify', 'find'],
    data: { errorCode: TRANSIENT_CODE, errorLabels: [] },
  },
  /** The connection closes on writes and claims. */
  'closed-connections': { commands: ['update', 'findAndModify'], data: { closeConnection: true } },
  /** Writes answer late (up to half of lockTimeout). */
  'slow-writes': { commands: ['update'], data: { blockConnection: true } },
  /** The change stream's getMore fails without a resumable label. */
  'change-stream-errors': {
    commands: ['getMore'],
    data: { errorCode: TRANSIENT_CODE, errorLabels: [] },
  },
  /** The producer's inserts and unique upserts fail. */
  'enqueue-errors': {
    commands: ['insert', 'findAndModify'],
    data: { errorCode: TRANSIENT_CODE, errorLabels: [] },
  },
} as const satisfies Record<string, { commands: readonly string[]; data: Document }>;

export type FailPointKind = keyof typeof FAIL_POINTS;

/** How often each fail point is drawn: the one that makes leases lapse most. */
const FAIL_POINT_WEIGHTS: Readonly<Record<FailPointKind, number>> = {
  'write-errors': 3,
  'retryable-write-errors': 1,
  'claim-errors': 1,
  'closed-connections': 1,
  'slow-writes': 1,
  'change-stream-errors': 1,
  'enqueue-errors': 1,
};

/** What the nemesis works on. */
export interface NemesisOptions {
  readonly pool: WorkerPool;
  /** The emulator process, when the run may stop the database; otherwise no outages. */
  readonly database: DatabaseHost | undefined;
  /** An admin client for `configureFailPoint`, when the server has it; otherwise no fail points. */
  readonly admin: Admin | undefined;
  readonly producerAppName: string;
  readonly prng: Prng;
  readonly log: LogWriter;
  readonly lockTimeout: number;
}

/**
 * The nemesis of a chaos run: every choice — which disturbance, when, on which process, for how
 * long — is drawn from its seeded generator. It SIGKILLs worker processes (each is restarted after
 * 0–1 s), SIGSTOPs one at a time for 1–3 × `lockTimeout` then SIGCONTs it, injects `failCommand`
 * fail points into one client for ¼–2 × `lockTimeout` (failing writes: 1–2 × `lockTimeout`), and
 * stops the database for 1–3 s. The
 * first disturbances are one of each kind, in a drawn order; then they are drawn by weight. At
 * most one freeze, and one fail point or outage, at a time; at least two workers keep running.
 * Each step is logged before it is taken (`kill`, `freeze`, `fail-point-on`, `outage-start`…).
 */
export class Nemesis {
  readonly #options: NemesisOptions;
  readonly #inProgress = new Set<Promise<void>>();
  readonly #errors: unknown[] = [];
  #frozen = false;
  #databaseBusy = false;

  constructor(options: NemesisOptions) {
    this.#options = options;
  }

  /** The disturbances this run can cause. */
  get kinds(): Disturbance[] {
    const { database, admin } = this.#options;
    return (['kill', 'freeze', 'fail-point', 'outage'] as const).filter(
      (kind) => (kind !== 'outage' || database !== undefined) && (kind !== 'fail-point' || admin),
    );
  }

  /**
   * Disturbs the run for `seconds`, then waits until every disturbance is undone (processes
   * thawed and restarted, fail point off, database up). Rejects if a step failed.
   */
  async run(seconds: number): Promise<void> {
    const { prng, pool } = this.#options;
    const end = Date.now() + seconds * 1000;
    const first = prng.shuffle(this.kinds);
    const weights = Object.fromEntries(this.kinds.map((kind) => [kind, WEIGHTS[kind]])) as Record<
      Disturbance,
      number
    >;
    for (;;) {
      // The time between two disturbances is drawn too.
      await delay(prng.int(300, 1500));
      if (Date.now() >= end) break;
      const kind = first[0] ?? prng.weighted(weights);
      const step = this.#prepare(kind);
      if (step === undefined) continue;
      first.shift();
      const running = step().catch((error: unknown) => {
        this.#errors.push(error);
        this.#options.log.write({ ev: 'nemesis-error', kind, message: String(error) });
      });
      this.#inProgress.add(running);
      void running.finally(() => this.#inProgress.delete(running));
    }
    while (this.#inProgress.size > 0) await Promise.all(this.#inProgress);
    await pool.settled();
    if (this.#errors.length > 0) {
      throw new AggregateError(this.#errors, `${this.#errors.length} nemesis steps failed`);
    }
  }

  /** The step of a disturbance, with its target and length drawn; `undefined` when not now. */
  #prepare(kind: Disturbance): (() => Promise<void>) | undefined {
    const { pool, prng, lockTimeout } = this.#options;
    const running = pool.running();
    switch (kind) {
      case 'kill': {
        if (running.length < 3) return undefined;
        const target = prng.pick(running);
        const downtime = prng.int(0, 1000);
        return async () => {
          await pool.kill(target);
          await delay(downtime);
          await pool.restart(target);
        };
      }
      case 'freeze': {
        if (this.#frozen || running.length < 3) return undefined;
        const target = prng.pick(running);
        const length = prng.int(lockTimeout, 3 * lockTimeout);
        this.#frozen = true;
        return async () => {
          try {
            pool.freeze(target);
            await delay(length);
            pool.thaw(target);
          } finally {
            this.#frozen = false;
          }
        };
      }
      case 'fail-point': {
        if (this.#databaseBusy || running.length === 0) return undefined;
        const failPoint = prng.weighted(FAIL_POINT_WEIGHTS);
        const target = failPoint === 'enqueue-errors' ? undefined : prng.pick(running);
        // Failing writes last long enough for the target's leases to lapse; the others vary.
        const length = prng.int(
          failPoint === 'write-errors' ? lockTimeout : Math.round(lockTimeout / 4),
          2 * lockTimeout,
        );
        const blockTimeMS = prng.int(100, Math.round(lockTimeout / 2));
        this.#databaseBusy = true;
        return () => this.#failPoint(failPoint, target, length, blockTimeMS);
      }
      case 'outage': {
        if (this.#databaseBusy) return undefined;
        const length = prng.int(1000, 3000);
        this.#databaseBusy = true;
        return () => this.#outage(length);
      }
    }
  }

  async #failPoint(
    kind: FailPointKind,
    target: WorkerSlot | undefined,
    length: number,
    blockTimeMS: number,
  ): Promise<void> {
    const { admin, log, producerAppName } = this.#options;
    if (admin === undefined) throw new Error('fail points without an admin client');
    const { commands, data } = FAIL_POINTS[kind];
    const appName = target?.appName ?? producerAppName;
    try {
      log.write({
        ev: 'fail-point-on',
        kind,
        target: target?.proc ?? 'producer',
        appName,
        commands,
      });
      await admin.command({
        configureFailPoint: 'failCommand',
        mode: 'alwaysOn',
        data: {
          failCommands: commands,
          appName,
          ...data,
          ...('blockConnection' in data ? { blockTimeMS } : {}),
        },
      });
      await delay(length);
    } finally {
      const reply = await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
      log.write({
        ev: 'fail-point-off',
        kind,
        target: target?.proc ?? 'producer',
        fired: reply.count,
      });
      this.#databaseBusy = false;
    }
  }

  async #outage(length: number): Promise<void> {
    const { database, log } = this.#options;
    if (database === undefined) throw new Error('an outage without a database process');
    try {
      const startedAt = Date.now();
      log.write({ ev: 'outage-start' });
      await database.stopServer();
      await delay(length - (Date.now() - startedAt));
      await database.startServer();
      log.write({ ev: 'outage-end' });
    } finally {
      this.#databaseBusy = false;
    }
  }
}
