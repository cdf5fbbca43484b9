import { MongoServerError } from 'mongodb';

/** Awaits `promise`, which must fail with a server error; returns that error for assertions. */
export async function serverError(promise: Promise<unknown>): Promise<MongoServerError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof MongoServerError)) {
    throw new Error(`expected a server error, got ${String(error)}`);
  }
  return error;
}
