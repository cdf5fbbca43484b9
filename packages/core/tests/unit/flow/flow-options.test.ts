import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import { MAX_RATE_LIMIT, readRateLimit } from '../../../src/flow/rate-limit.js';
import { MAX_GROUP_CONCURRENCY, readWorkerFlow } from '../../../src/flow/worker-flow.js';
import { prepareEnqueue } from '../../../src/scheduling/enqueue-input.js';
import { assertPriority, MAX_PRIORITY, MIN_PRIORITY } from '../../../src/validation/priority.js';

const now = new Date('2030-01-01T00:00:00Z');
const prepare = (options: unknown, defaultPriority?: (name: string) => number | undefined) =>
  prepareEnqueue({ name: 'a', data: null, options }, 1024, now, '', defaultPriority);

describe('priority', () => {
  it('accepts the 32-bit integers and refuses anything else, naming the argument', () => {
    for (const value of [MIN_PRIORITY, -1, 0, 1, MAX_PRIORITY]) {
      expect(() => assertPriority(value, 'options.priority')).not.toThrow();
    }
    for (const value of [MIN_PRIORITY - 1, MAX_PRIORITY + 1, 1.5, Number.NaN, '1', null, {}]) {
      expect(() => assertPriority(value, 'options.priority')).toThrow(InvalidArgumentError);
    }
    expect(() => assertPriority({ $gt: 0 }, 'jobs[2].options.priority')).toThrow(
      /jobs\[2\]\.options\.priority: must be an integer from -2147483648 to 2147483647/,
    );
  });

  it('is stored on every new job: the one given, else the default, else 0', () => {
    expect(prepare({ priority: 5 }).document.priority).toBe(5);
    expect(prepare({ priority: 5 }, () => 9).document.priority).toBe(5);
    expect(prepare(undefined, (name) => (name === 'a' ? 9 : undefined)).document.priority).toBe(9);
    expect(prepare(undefined).document.priority).toBe(0);
    expect(() => prepare({ priority: 2 ** 40 })).toThrow(/options\.priority/);
  });
});

describe('groupKey', () => {
  it('is stored when given and left out otherwise; only a string of 1–1024 characters', () => {
    expect(prepare({ groupKey: 'tenant-1' }).document.groupKey).toBe('tenant-1');
    expect('groupKey' in prepare({}).document).toBe(false);
    for (const bad of ['', 'x'.repeat(1025), { $ne: null }, 3]) {
      expect(() => prepare({ groupKey: bad })).toThrow(/options\.groupKey/);
    }
  });
});

describe('readWorkerFlow', () => {
  it('copies the settings given', () => {
    const rateLimit = { max: 10, duration: 1000 };
    const flow = readWorkerFlow({ priority: -3, groupConcurrency: 2, rateLimit });
    expect(flow).toEqual({ priority: -3, groupConcurrency: 2, rateLimit });
    expect(flow.rateLimit).not.toBe(rateLimit);
    expect(readWorkerFlow({})).toEqual({});
  });

  it('refuses bad settings, naming them', () => {
    expect(() => readWorkerFlow({ priority: 'high' })).toThrow(/options\.priority/);
    for (const bad of [0, MAX_GROUP_CONCURRENCY + 1, 1.5, '2']) {
      expect(() => readWorkerFlow({ groupConcurrency: bad })).toThrow(/options\.groupConcurrency/);
    }
  });
});

describe('readRateLimit', () => {
  it('takes exactly max (1 to MAX_RATE_LIMIT) and duration (ms > 0)', () => {
    expect(readRateLimit({ max: MAX_RATE_LIMIT, duration: 1 }, 'r')).toEqual({
      max: MAX_RATE_LIMIT,
      duration: 1,
    });
    const cases: Array<[unknown, RegExp]> = [
      [null, /r: must be an object \{ max, duration \}/],
      [5, /r: must be an object/],
      [{ max: 1 }, /r\.duration/],
      [{ duration: 1 }, /r\.max/],
      [{ max: 0, duration: 1 }, /r\.max/],
      [{ max: MAX_RATE_LIMIT + 1, duration: 1 }, /r\.max/],
      [{ max: 1, duration: 0 }, /r\.duration/],
      [{ max: 1, duration: 2 ** 31 }, /r\.duration/],
      [{ max: 1, duration: 1, per: 's' }, /r\.per: is not a known option/],
    ];
    for (const [value, message] of cases) {
      expect(() => readRateLimit(value, 'r')).toThrow(message);
    }
  });
});
