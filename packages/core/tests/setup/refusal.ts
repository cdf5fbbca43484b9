import { expect } from 'vitest';
import { InvalidArgumentError } from '../../src/errors.js';

/** What `action` rejected with (it must reject). */
export async function rejection(action: () => Promise<unknown>): Promise<unknown> {
  return action().then(
    () => {
      throw new Error('expected a rejection');
    },
    (caught: unknown) => caught,
  );
}

/** The InvalidArgumentError `action` rejected with (it must reject with one). */
export async function refusal(action: () => Promise<unknown>): Promise<InvalidArgumentError> {
  const error = await rejection(action);
  expect(error).toBeInstanceOf(InvalidArgumentError);
  return error as InvalidArgumentError;
}
