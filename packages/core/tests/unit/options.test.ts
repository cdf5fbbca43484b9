import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';
import { type MonqueOptions, resolveMonqueOptions } from '../../src/options.js';
import { DEFAULT_RETENTION, MAX_RETENTION } from '../../src/processing/retention.js';

const DAY = 24 * 60 * 60 * 1000;

const TIMER_RULE = 'must be a finite number of milliseconds > 0 and ≤ 2147483647';
const DURATION_RULE = 'must be a finite number of milliseconds > 0';

function expectInvalid(options: unknown, argument: string, message: string): void {
  let thrown: unknown;
  try {
    resolveMonqueOptions(options as MonqueOptions);
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(InvalidArgumentError);
  expect((thrown as InvalidArgumentError).argument).toBe(argument);
  expect((thrown as InvalidArgumentError).message).toBe(message);
}

describe('resolveMonqueOptions', () => {
  it('applies every default when no options are given', () => {
    const resolved = resolveMonqueOptions();
    expect(resolved).toEqual({
      collectionName: 'monque_jobs',
      pollInterval: 1000,
      backupPollInterval: 10_000,
      maxRetries: 10,
      baseRetryInterval: 1000,
      maxBackoffDelay: 24 * 60 * 60 * 1000,
      shutdownTimeout: 30_000,
      abortGracePeriod: 1000,
      defaultConcurrency: 5,
      maxConcurrency: undefined,
      heartbeatInterval: 10_000,
      lockTimeout: 30_000,
      maxTakeovers: 2,
      recoverStaleJobs: true,
      schedulerInstanceId: expect.stringMatching(/^[0-9a-f-]{36}$/),
      maxPayloadSize: 16 * 1024 * 1024,
      roundTripTimeout: 20_000,
      retention: { completed: 7 * DAY, failed: 30 * DAY, cancelled: 30 * DAY },
      maxResultSize: 1024 * 1024,
    });
    expect(Object.isFrozen(resolved)).toBe(true);
    expect(Object.isFrozen(resolved.retention)).toBe(true);
  });

  it('resolves retention per status: the statuses given replace the defaults', () => {
    expect(resolveMonqueOptions({ retention: { completed: 0, failed: false } }).retention).toEqual({
      completed: 0,
      failed: false,
      cancelled: 30 * DAY,
    });
    expect(resolveMonqueOptions({ retention: {} }).retention).toEqual(DEFAULT_RETENTION);
    expect(resolveMonqueOptions({ retention: { cancelled: undefined } }).retention).toEqual(
      DEFAULT_RETENTION,
    );
  });

  it.each<[unknown, string, string]>([
    [{ completed: -1 }, 'options.retention.completed', 'number -1'],
    [{ failed: true }, 'options.retention.failed', 'boolean true'],
    [{ cancelled: Number.NaN }, 'options.retention.cancelled', 'number NaN'],
    [
      { completed: MAX_RETENTION + 1 },
      'options.retention.completed',
      `number ${MAX_RETENTION + 1}`,
    ],
    [{ completed: '7d' }, 'options.retention.completed', 'string "7d"'],
  ])('rejects retention %j', (retention, argument, received) => {
    expectInvalid(
      { retention },
      argument,
      `Invalid ${argument}: must be false (keep for ever) or a number of milliseconds from 0 to ` +
        `${MAX_RETENTION} (100 years); got ${received}.`,
    );
  });

  it('rejects a retention that is not an object, or names another status', () => {
    expectInvalid(
      { retention: 7 },
      'options.retention',
      'Invalid options.retention: must be an object or undefined; got number 7.',
    );
    expectInvalid(
      { retention: { pending: 1 } },
      'options.retention.pending',
      'Invalid options.retention.pending: is not a known option (known: completed, failed, ' +
        'cancelled); got number 1.',
    );
  });

  it.each<[MonqueOptions, number]>([
    [{}, 20_000],
    [{ heartbeatInterval: 30_000, lockTimeout: 60_000 }, 60_000],
    [{ heartbeatInterval: 1000, lockTimeout: 2000 }, 5000],
    [{ heartbeatInterval: 1000, lockTimeout: 2000, roundTripTimeout: 750 }, 750],
    [{ roundTripTimeout: 120_000 }, 120_000],
  ])('resolves roundTripTimeout: given, or max(2 × heartbeatInterval, 5 s) (%j)', (options, ms) => {
    expect(resolveMonqueOptions(options).roundTripTimeout).toBe(ms);
  });

  it('gives each instance its own random schedulerInstanceId', () => {
    expect(resolveMonqueOptions().schedulerInstanceId).not.toBe(
      resolveMonqueOptions({}).schedulerInstanceId,
    );
  });

  it('keeps given values, treats undefined as the default and freezes the result', () => {
    const resolved = resolveMonqueOptions({
      collectionName: 'jobs',
      pollInterval: 250.5,
      maxRetries: 0,
      maxConcurrency: 3,
      heartbeatInterval: 1000,
      lockTimeout: 2000,
      recoverStaleJobs: false,
      schedulerInstanceId: 'worker-a',
      maxPayloadSize: 1,
      shutdownTimeout: undefined,
    });
    expect(resolved).toMatchObject({
      collectionName: 'jobs',
      pollInterval: 250.5,
      maxRetries: 0,
      maxConcurrency: 3,
      heartbeatInterval: 1000,
      lockTimeout: 2000,
      recoverStaleJobs: false,
      schedulerInstanceId: 'worker-a',
      maxPayloadSize: 1,
      shutdownTimeout: 30_000,
    });
    expect(Object.isFrozen(resolved)).toBe(true);
  });

  it.each<[string, unknown, string]>([
    ['null', null, 'Invalid options: must be an object or undefined; got null.'],
    ['a string', 'fast', 'Invalid options: must be an object or undefined; got string "fast".'],
    ['an array', [], 'Invalid options: must be an object or undefined; got an array of 0 items.'],
  ])('rejects options that are %s', (_, options, message) => {
    expectInvalid(options, 'options', message);
  });

  it('rejects an unknown option key (typo protection)', () => {
    expectInvalid(
      { pollIntreval: 5 },
      'options.pollIntreval',
      'Invalid options.pollIntreval: is not a Monque option (known options: collectionName, ' +
        'pollInterval, backupPollInterval, maxRetries, baseRetryInterval, maxBackoffDelay, ' +
        'shutdownTimeout, abortGracePeriod, defaultConcurrency, maxConcurrency, heartbeatInterval, ' +
        'lockTimeout, maxTakeovers, recoverStaleJobs, schedulerInstanceId, maxPayloadSize, ' +
        'roundTripTimeout, retention, maxResultSize); got number 5.',
    );
  });

  const timers = [
    'pollInterval',
    'backupPollInterval',
    'shutdownTimeout',
    'abortGracePeriod',
    'heartbeatInterval',
    'roundTripTimeout',
  ];
  const durations = ['baseRetryInterval', 'maxBackoffDelay', 'lockTimeout'];
  const badDurations: [string, unknown][] = [
    ['negative', -1],
    ['zero', 0],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['a string', '1000'],
  ];

  describe.each(timers)('timer option %s', (option) => {
    it.each(badDurations)('rejects %s', (_, value) => {
      // lockTimeout is raised so only the option under test can fail.
      expectInvalid(
        { lockTimeout: 1e12, [option]: value },
        `options.${option}`,
        `Invalid options.${option}: ${TIMER_RULE}; got ${typeof value === 'string' ? `string "${value}"` : `number ${value}`}.`,
      );
    });

    it('rejects a delay beyond what Node timers honour', () => {
      expectInvalid(
        { lockTimeout: 1e12, [option]: 2 ** 31 },
        `options.${option}`,
        `Invalid options.${option}: ${TIMER_RULE}; got number 2147483648.`,
      );
    });
  });

  describe.each(durations)('duration option %s', (option) => {
    it.each(badDurations)('rejects %s', (_, value) => {
      expectInvalid(
        { [option]: value },
        `options.${option}`,
        `Invalid options.${option}: ${DURATION_RULE}; got ${typeof value === 'string' ? `string "${value}"` : `number ${value}`}.`,
      );
    });
  });

  it.each<[string, unknown, string]>([
    ['maxRetries', -1, 'must be an integer ≥ 0'],
    ['maxRetries', 1.5, 'must be an integer ≥ 0'],
    ['maxRetries', Number.NaN, 'must be an integer ≥ 0'],
    ['maxRetries', Number.POSITIVE_INFINITY, 'must be an integer ≥ 0'],
    ['maxTakeovers', -1, 'must be an integer ≥ 0'],
    ['maxTakeovers', 0.5, 'must be an integer ≥ 0'],
    ['defaultConcurrency', 0, 'must be an integer ≥ 1'],
    ['defaultConcurrency', -2, 'must be an integer ≥ 1'],
    ['defaultConcurrency', 2.5, 'must be an integer ≥ 1'],
    ['defaultConcurrency', Number.NaN, 'must be an integer ≥ 1'],
    ['maxConcurrency', 0, 'must be an integer ≥ 1'],
    ['maxConcurrency', 1.5, 'must be an integer ≥ 1'],
    ['maxConcurrency', Number.POSITIVE_INFINITY, 'must be an integer ≥ 1'],
    ['maxPayloadSize', 0, 'must be an integer from 1 to 16777216'],
    ['maxPayloadSize', -1, 'must be an integer from 1 to 16777216'],
    ['maxPayloadSize', 1024.5, 'must be an integer from 1 to 16777216'],
    ['maxPayloadSize', 16 * 1024 * 1024 + 1, 'must be an integer from 1 to 16777216'],
    ['maxPayloadSize', Number.NaN, 'must be an integer from 1 to 16777216'],
    ['maxResultSize', 0, 'must be an integer from 1 to 16777216'],
    ['maxResultSize', 16 * 1024 * 1024 + 1, 'must be an integer from 1 to 16777216'],
  ])('rejects %s = %s', (option, value, rule) => {
    expectInvalid(
      { [option]: value },
      `options.${option}`,
      `Invalid options.${option}: ${rule}; got number ${value}.`,
    );
  });

  const collectionRule =
    "must be a non-empty string without '$' or NUL that does not start with 'system.'";
  it.each<[unknown, string]>([
    ['', 'string ""'],
    ['jobs$', 'string "jobs$"'],
    ['jo\0bs', 'string "jo\\u0000bs"'],
    ['system.jobs', 'string "system.jobs"'],
    [42, 'number 42'],
  ])('rejects collectionName %j', (value, received) => {
    expectInvalid(
      { collectionName: value },
      'options.collectionName',
      `Invalid options.collectionName: ${collectionRule}; got ${received}.`,
    );
  });

  it.each<[unknown, string]>([
    ['', 'string ""'],
    ['x'.repeat(256), `string "${'x'.repeat(78)}…`],
    [{ $ne: null }, 'object {"$ne":null}'],
  ])('rejects schedulerInstanceId %#', (value, received) => {
    expectInvalid(
      { schedulerInstanceId: value },
      'options.schedulerInstanceId',
      `Invalid options.schedulerInstanceId: must be a string of 1 to 255 characters; got ${received}.`,
    );
  });

  it('rejects a non-boolean recoverStaleJobs', () => {
    expectInvalid(
      { recoverStaleJobs: 'yes' },
      'options.recoverStaleJobs',
      'Invalid options.recoverStaleJobs: must be true or false; got string "yes".',
    );
  });

  it.each<[MonqueOptions, number, number]>([
    [{ lockTimeout: 19_999 }, 20_000, 19_999],
    [{ heartbeatInterval: 20_000 }, 40_000, 30_000],
    [{ heartbeatInterval: 1000, lockTimeout: 1999 }, 2000, 1999],
  ])('rejects lockTimeout below 2 × heartbeatInterval (%j)', (options, minimum, lockTimeout) => {
    expectInvalid(
      options,
      'options.lockTimeout',
      `Invalid options.lockTimeout: must be at least 2 × heartbeatInterval (${minimum} ms), ` +
        'because a shorter lock lets another instance take over a job whose live worker sent ' +
        `its heartbeat a little late; got number ${lockTimeout}.`,
    );
  });

  it('accepts lockTimeout of exactly 2 × heartbeatInterval', () => {
    expect(resolveMonqueOptions({ heartbeatInterval: 1000, lockTimeout: 2000 }).lockTimeout).toBe(
      2000,
    );
  });
});
