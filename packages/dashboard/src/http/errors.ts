/** Whether an error is Monque's `InvalidArgumentError` (by name: the caller's copy of @monque/core may differ from ours). */
export function isInvalidArgument(error: unknown): error is Error {
  return error instanceof Error && error.name === 'InvalidArgumentError';
}

/** An unknown thrown value as an Error. */
export function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
