/** Runs `action` and returns what it threw; fails when it throws nothing. */
export function catchError(action: () => unknown): Error {
  try {
    action();
  } catch (error) {
    if (error instanceof Error) return error;
    throw new Error(`threw a non-Error: ${String(error)}`);
  }
  throw new Error('expected an error, but nothing was thrown');
}
