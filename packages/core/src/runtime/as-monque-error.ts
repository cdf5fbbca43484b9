import { ConnectionError, MonqueError } from '../errors.js';

/**
 * Monque's own errors pass through; anything else (a driver error) becomes a `ConnectionError`
 * saying what Monque was doing, with the original as `cause`.
 */
export function asMonqueError(error: unknown, context: string): MonqueError {
  return error instanceof MonqueError ? error : new ConnectionError(context, { cause: error });
}
