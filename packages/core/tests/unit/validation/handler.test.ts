import { describe, expect, it } from 'vitest';
import { WorkerRegistrationError } from '../../../src/errors.js';
import { assertHandler } from '../../../src/validation/handler.js';
import { catchError } from './catch-error.js';

describe('assertHandler', () => {
  it('accepts sync and async functions', () => {
    expect(() => assertHandler('a', () => {})).not.toThrow();
    expect(() => assertHandler('a', async () => {})).not.toThrow();
  });

  it.each<[string, unknown, string]>([
    ['a string', 'sendEmail', 'string "sendEmail"'],
    ['undefined', undefined, 'undefined'],
    ['an object', { run() {} }, 'object {}'],
  ])('rejects %s', (_, handler, received) => {
    const error = catchError(() => assertHandler('send-email', handler));
    expect(error).toBeInstanceOf(WorkerRegistrationError);
    expect((error as WorkerRegistrationError).problem).toBe('invalid-handler');
    expect((error as WorkerRegistrationError).jobName).toBe('send-email');
    expect(error.message).toBe(
      `The handler for job "send-email" must be a function; got ${received}.`,
    );
  });
});
