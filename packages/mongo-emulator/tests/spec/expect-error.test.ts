import { BSON, MongoInvalidArgumentError, MongoNetworkError, MongoServerError } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { checkExpectedError } from './unified/expect-error.js';
import { Matcher } from './unified/matcher.js';
import { RunnerError } from './unified/runner-error.js';

const matcher = new Matcher(() => undefined);

function check(expectError: Record<string, unknown>, error: unknown): void {
  checkExpectedError(expectError, error, matcher);
}

describe('expectError.isClientError', () => {
  it('is satisfied by errors the driver raises before or instead of a server reply', () => {
    expect(() =>
      check(
        { isClientError: true },
        new MongoInvalidArgumentError('Update document requires atomic operators'),
      ),
    ).not.toThrow();
    expect(() =>
      check({ isClientError: true }, new MongoNetworkError('connection 1 to 127.0.0.1 closed')),
    ).not.toThrow();
    expect(() =>
      check({ isClientError: true }, new BSON.BSONError('key must not contain a null byte')),
    ).not.toThrow();
  });

  it('is not satisfied by a server reply', () => {
    const reply = new MongoServerError({ ok: 0, code: 2, errmsg: 'bad value' });
    expect(() => check({ isClientError: true }, reply)).toThrow(/expected a client-side error/);
  });

  it.each([
    ['an unimplemented operation', new RunnerError('the runner does not implement fooBar')],
    ['a wrong entity type', new RunnerError('the operation needs a collection entity')],
    [
      'an iterate timeout',
      new RunnerError('iterateUntilDocumentOrError did not settle within 5000 ms'),
    ],
  ])(
    'is never satisfied by a runner-internal error (%s): the runner error surfaces',
    (_what, error) => {
      expect(() => check({ isClientError: true }, error)).toThrow(error.message);
      expect(() => check({ isError: true }, error)).toThrow(error.message);
    },
  );

  it('is not satisfied by a plain error that no driver class raised', () => {
    expect(() => check({ isClientError: true }, new TypeError('x is not a function'))).toThrow(
      /expected a client-side error/,
    );
  });
});
