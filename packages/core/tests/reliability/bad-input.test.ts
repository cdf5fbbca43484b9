import { openTestDatabase, type TestDatabase } from '@monque/test-support';
import type { Db } from 'mongodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  InvalidArgumentError,
  InvalidCronError,
  PayloadTooLargeError,
  WorkerRegistrationError,
} from '../../src/errors.js';
import { Monque } from '../../src/monque.js';
import type { MonqueOptions } from '../../src/options.js';

// Bad input at the Monque API with a real database: every case throws a typed error with a clear
// message and writes NOTHING (the collection's document count is unchanged).

type ErrorClass =
  | typeof InvalidArgumentError
  | typeof InvalidCronError
  | typeof PayloadTooLargeError
  | typeof WorkerRegistrationError;

interface BadInputCase {
  readonly title: string;
  /** The call, given a started-less Monque on the test collection. */
  readonly act: (monque: Monque, db: Db) => unknown;
  readonly error: ErrorClass;
  /** Parts the message must contain, in order of appearance is not required. */
  readonly message: readonly (string | RegExp)[];
  /** Further checks of the error's fields. */
  readonly fields?: Record<string, unknown>;
}

const COLLECTION = 'bad_input_jobs';
const MIB = 1024 * 1024;

/** Calls `act` as the user would (an untyped value where the types forbid it). */
const untyped = <T>(value: unknown): T => value as T;

function circular(): Record<string, unknown> {
  const value: Record<string, unknown> = { a: 1 };
  value.self = value;
  return value;
}

const numericOptions: readonly {
  option: keyof MonqueOptions;
  integer: boolean;
  zeroValid: boolean;
}[] = [
  { option: 'pollInterval', integer: false, zeroValid: false },
  { option: 'backupPollInterval', integer: false, zeroValid: false },
  { option: 'maxRetries', integer: true, zeroValid: true },
  { option: 'baseRetryInterval', integer: false, zeroValid: false },
  { option: 'maxBackoffDelay', integer: false, zeroValid: false },
  { option: 'shutdownTimeout', integer: false, zeroValid: false },
  { option: 'defaultConcurrency', integer: true, zeroValid: false },
  { option: 'maxConcurrency', integer: true, zeroValid: false },
  { option: 'heartbeatInterval', integer: false, zeroValid: false },
  { option: 'lockTimeout', integer: false, zeroValid: false },
  { option: 'maxPayloadSize', integer: true, zeroValid: false },
];

function optionCases(): BadInputCase[] {
  const cases: BadInputCase[] = [];
  for (const { option, integer, zeroValid } of numericOptions) {
    const values: [string, unknown][] = [
      ['negative', -1],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
      ['a string', '100'],
    ];
    if (!zeroValid) values.push(['zero', 0]);
    if (integer) values.push(['not an integer', 1.5]);
    for (const [label, value] of values) {
      cases.push({
        title: `option ${option} ${label}`,
        act: (_monque, db) =>
          new Monque(db, { collectionName: COLLECTION, [option]: untyped<number>(value) }),
        error: InvalidArgumentError,
        message: [`Invalid options.${option}: must be`],
        fields: { argument: `options.${option}` },
      });
    }
  }
  return cases;
}

const CASES: readonly BadInputCase[] = [
  // Job names.
  ...(
    [
      ['empty', '', /must be 1 to 255 characters long \(it has 0\)/],
      ['not a string', 42, /must be a string; got number 42/],
      ['256 characters', 'n'.repeat(256), /it has 256/],
      ['a newline', 'bad\nname', /control characters/],
      ['NUL', 'nul\u0000name', /control characters/],
      [
        '{$ne: null} (operator injection)',
        { $ne: null },
        /must be a string; got object \{"\$ne":null\}/,
      ],
    ] as const
  ).flatMap(([label, name, message]): BadInputCase[] => [
    {
      title: `enqueue: job name ${label}`,
      act: (monque) => monque.enqueue(untyped<string>(name), null),
      error: InvalidArgumentError,
      message: ['Invalid name', message],
      fields: { argument: 'name' },
    },
    {
      title: `schedule: job name ${label}`,
      act: (monque) => monque.schedule('* * * * *', untyped<string>(name), null),
      error: InvalidArgumentError,
      message: ['Invalid name', message],
      fields: { argument: 'name' },
    },
    {
      title: `worker: job name ${label}`,
      act: (monque) => monque.worker(untyped<string>(name), () => {}),
      error: InvalidArgumentError,
      message: ['Invalid name', message],
      fields: { argument: 'name' },
    },
  ]),
  // Unique keys.
  ...(
    [
      ['empty', ''],
      ['1025 characters', 'k'.repeat(1025)],
      ['not a string', 7],
      ['{$ne: null}', { $ne: null }],
    ] as const
  ).flatMap(([label, uniqueKey]): BadInputCase[] => [
    {
      title: `enqueue: uniqueKey ${label}`,
      act: (monque) => monque.enqueue('job', null, { uniqueKey: untyped<string>(uniqueKey) }),
      error: InvalidArgumentError,
      message: ['Invalid options.uniqueKey: must be a string of 1 to 1024 characters'],
      fields: { argument: 'options.uniqueKey' },
    },
    {
      title: `schedule: key ${label}`,
      act: (monque) =>
        monque.schedule('* * * * *', 'job', null, { key: untyped<string>(uniqueKey) }),
      error: InvalidArgumentError,
      message: ['Invalid options.key: must be a string of 1 to 1024 characters'],
      fields: { argument: 'options.key' },
    },
  ]),
  // Data.
  {
    title: 'data with a function',
    act: (monque) => monque.enqueue('job', { user: { callback: () => 1 } }),
    error: InvalidArgumentError,
    message: ['Invalid data: data.user.callback must not be a function'],
    fields: { argument: 'data' },
  },
  {
    title: 'data with a symbol value',
    act: (monque) => monque.enqueue('job', { tag: Symbol('tag') }),
    error: InvalidArgumentError,
    message: ['data.tag must not be a symbol'],
  },
  {
    title: 'data with a symbol key',
    act: (monque) => monque.enqueue('job', { [Symbol('key')]: 1 }),
    error: InvalidArgumentError,
    message: ['has symbol keys'],
  },
  {
    title: 'data with a BigInt',
    act: (monque) => monque.enqueue('job', { amount: 10n }),
    error: InvalidArgumentError,
    message: ['data.amount must not be a BigInt'],
  },
  {
    title: 'data with a circular reference',
    act: (monque) => monque.enqueue('job', circular()),
    error: InvalidArgumentError,
    message: ['data.self refers back to one of its parents'],
  },
  {
    title: 'data that is a Map',
    act: (monque) => monque.enqueue('job', new Map([['a', 1]])),
    error: InvalidArgumentError,
    message: ['must be plain data'],
  },
  {
    title: 'data over 16 MiB once encoded',
    act: (monque) => monque.enqueue('job', { blob: 'x'.repeat(17 * MIB) }),
    error: PayloadTooLargeError,
    message: [/Job data is \d+ bytes once BSON-encoded/, `limit of ${16 * MIB} bytes`],
    fields: { limit: 16 * MIB, measured: 'data' },
  },
  {
    title: 'data over the maxPayloadSize option',
    act: (_monque, db) =>
      new Monque(db, { collectionName: COLLECTION, maxPayloadSize: 1024 }).enqueue('job', {
        blob: 'x'.repeat(2048),
      }),
    error: PayloadTooLargeError,
    message: [/Job data is 20\d\d bytes/, 'limit of 1024 bytes', 'maxPayloadSize'],
    fields: { limit: 1024, measured: 'data' },
  },
  {
    // {data} fits the default limit, but the whole job document does not fit MongoDB's 16 MiB.
    title: 'data just under 16 MiB: the job document would exceed what MongoDB stores',
    act: (monque) => monque.enqueue('job', 'x'.repeat(16 * MIB - 64)),
    error: PayloadTooLargeError,
    message: ['The job document would be', "MongoDB's limit of 16 MiB"],
    fields: { measured: 'document' },
  },
  {
    // The document fits 16 MiB, but not with the room its claim, failure, history and progress
    // need.
    title: 'data leaving less than 40 KiB of the 16 MiB for running the job',
    act: (monque) => monque.enqueue('job', 'x'.repeat(16 * MIB - 24 * 1024)),
    error: PayloadTooLargeError,
    message: ['The job document would be', `${16 * MIB - 40 * 1024} bytes a new job may take`],
    fields: { limit: 16 * MIB - 40 * 1024, measured: 'document' },
  },
  // runAt.
  ...(
    [
      ['an invalid Date', new Date('not a date')],
      ['a number', Date.now()],
      ['a string', '2026-01-01T00:00:00Z'],
    ] as const
  ).map(
    ([label, runAt]): BadInputCase => ({
      title: `runAt ${label}`,
      act: (monque) => monque.enqueue('job', null, { runAt: untyped<Date>(runAt) }),
      error: InvalidArgumentError,
      message: ['Invalid options.runAt: must be a valid Date'],
      fields: { argument: 'options.runAt' },
    }),
  ),
  {
    title: 'enqueue option with a typo',
    act: (monque) => monque.enqueue('job', null, untyped<{ runAt: Date }>({ runat: new Date() })),
    error: InvalidArgumentError,
    message: ['Invalid options.runat: is not a known option'],
  },
  // Cron expressions.
  ...(
    [
      ['3 fields', '* * *', 'expected 5 or 6 fields, got 3'],
      ['7 fields', '* * * * * * *', 'expected 5 or 6 fields, got 7'],
      ['minute out of range', '61 * * * *', 'field 1 (minute) value 61 is out of range 0–59'],
      ['hour out of range', '0 24 * * *', 'field 2 (hour) value 24 is out of range 0–23'],
      ['seconds out of range', '60 * * * * *', 'field 1 (second) value 60 is out of range 0–59'],
      // The parser lowercases names; the message may quote either spelling.
      ['unknown month name', '0 0 1 FOO *', /field 4 \(month\) unknown name "FOO"/i],
      ['unknown weekday name', '0 0 * * FUNDAY', 'field 5 (day-of-week)'],
      ['empty', '', 'the expression is empty'],
      ['blank', '   ', 'the expression is empty'],
    ] as const
  ).map(
    ([label, cron, problem]): BadInputCase => ({
      title: `cron ${label}`,
      act: (monque) => monque.schedule(cron, 'job', null),
      error: InvalidCronError,
      message: [problem, 'Expected 5 fields'],
      fields: { expression: cron },
    }),
  ),
  {
    title: 'cron not a string',
    act: (monque) => monque.schedule(untyped<string>(42), 'job', null),
    error: InvalidArgumentError,
    message: ['Invalid cron: must be a cron expression string'],
  },
  {
    title: 'unknown timezone',
    act: (monque) => monque.schedule('0 3 * * *', 'job', null, { timezone: 'Mars/Olympus' }),
    error: InvalidArgumentError,
    message: ['Invalid options.timezone: must be an IANA time zone name', 'Mars/Olympus'],
    fields: { argument: 'options.timezone' },
  },
  // Options.
  ...optionCases(),
  {
    title: 'lockTimeout below 2 × heartbeatInterval',
    act: (_monque, db) =>
      new Monque(db, { collectionName: COLLECTION, heartbeatInterval: 1000, lockTimeout: 1999 }),
    error: InvalidArgumentError,
    message: ['Invalid options.lockTimeout: must be at least 2 × heartbeatInterval (2000 ms)'],
    fields: { argument: 'options.lockTimeout' },
  },
  {
    title: 'unknown option',
    act: (_monque, db) =>
      new Monque(db, untyped<MonqueOptions>({ collectionName: COLLECTION, pollIntreval: 5 })),
    error: InvalidArgumentError,
    message: ['Invalid options.pollIntreval: is not a Monque option'],
  },
  // Workers.
  ...(
    [
      ['zero', 0],
      ['negative', -1],
      ['not an integer', 2.5],
      ['NaN', Number.NaN],
      ['Infinity', Number.POSITIVE_INFINITY],
    ] as const
  ).map(
    ([label, concurrency]): BadInputCase => ({
      title: `worker concurrency ${label}`,
      act: (monque) => monque.worker('job', () => {}, { concurrency }),
      error: InvalidArgumentError,
      message: ['Invalid options.concurrency: must be an integer ≥ 1'],
      fields: { argument: 'options.concurrency' },
    }),
  ),
  ...(
    [
      ['a fraction', { priority: 1.5 }, 'options.priority'],
      ['out of range', { priority: 2 ** 31 }, 'options.priority'],
      ['an operator object', { priority: { $gt: 0 } }, 'options.priority'],
    ] as const
  ).map(
    ([label, options, argument]): BadInputCase => ({
      title: `enqueue priority ${label}`,
      act: (monque) => monque.enqueue('job', null, untyped<{ priority: number }>(options)),
      error: InvalidArgumentError,
      message: [`Invalid ${argument}: must be an integer from -2147483648 to 2147483647`],
      fields: { argument },
    }),
  ),
  {
    title: 'enqueue groupKey an operator object',
    act: (monque) => monque.enqueue('job', null, { groupKey: untyped<string>({ $ne: null }) }),
    error: InvalidArgumentError,
    message: ['Invalid options.groupKey: must be a string of 1 to 1024 characters'],
    fields: { argument: 'options.groupKey' },
  },
  {
    title: 'enqueueMany priority of one job bad',
    act: (monque) =>
      monque.enqueueMany([
        { name: 'job', data: null },
        { name: 'job', data: null, options: { priority: untyped<number>('high') } },
      ]),
    error: InvalidArgumentError,
    message: ['Invalid jobs[1].options.priority'],
    fields: { argument: 'jobs[1].options.priority' },
  },
  {
    title: 'worker groupConcurrency 0',
    act: (monque) => monque.worker('job', () => {}, { groupConcurrency: 0 }),
    error: InvalidArgumentError,
    message: ['Invalid options.groupConcurrency: must be an integer from 1 to 1000'],
    fields: { argument: 'options.groupConcurrency' },
  },
  {
    title: 'worker rateLimit without duration',
    act: (monque) => monque.worker('job', () => {}, { rateLimit: untyped({ max: 5 }) }),
    error: InvalidArgumentError,
    message: ['Invalid options.rateLimit.duration'],
    fields: { argument: 'options.rateLimit.duration' },
  },
  {
    title: 'pause with an operator object for a name',
    act: (monque) => monque.pause(untyped<string>({ $ne: null })),
    error: InvalidArgumentError,
    message: ['Invalid name'],
  },
  {
    title: 'worker handler not a function',
    act: (monque) => monque.worker('job', untyped<() => void>('handleJob')),
    error: WorkerRegistrationError,
    message: ['The handler for job "job" must be a function; got string "handleJob"'],
    fields: { problem: 'invalid-handler', jobName: 'job' },
  },
  {
    title: 'a name registered twice without replace',
    act: (monque) => {
      monque.worker('twice', () => {});
      monque.worker('twice', () => {});
    },
    error: WorkerRegistrationError,
    message: ['A worker for job "twice" is already registered; pass { replace: true }'],
    fields: { problem: 'duplicate', jobName: 'twice' },
  },
];

describe('bad input through the Monque API', () => {
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    database = await openTestDatabase('bad_input');
    // One valid job, so the collection and its indexes exist and the count starts at 1.
    await new Monque(database.db, { collectionName: COLLECTION }).enqueue('seed', { ok: true });
  });
  afterAll(async () => {
    await database?.cleanup();
  });

  it.each(CASES.map((testCase) => [testCase.title, testCase] as const))(
    '%s: typed error, nothing written',
    async (_title, testCase) => {
      if (database === undefined) throw new Error('the test database is not open');
      const { db } = database;
      const jobs = db.collection(COLLECTION);
      const before = await jobs.countDocuments({});
      const monque = new Monque(db, { collectionName: COLLECTION });
      let thrown: unknown;
      try {
        await testCase.act(monque, db);
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(testCase.error);
      const error = thrown as Error;
      for (const part of testCase.message) {
        if (typeof part === 'string') expect(error.message).toContain(part);
        else expect(error.message).toMatch(part);
      }
      if (testCase.fields !== undefined) expect(error).toMatchObject(testCase.fields);
      if (error instanceof PayloadTooLargeError) {
        expect(error.size).toBeGreaterThan(error.limit);
        expect(error.message).toContain(String(error.size));
        expect(error.message).toContain(String(error.limit));
      }
      expect(await jobs.countDocuments({})).toBe(before);
    },
    30_000,
  );
});
