import type { ClientSession } from 'mongodb';

/**
 * The driver options a management write passes on to every command it sends. Each operation takes
 * them as its last argument, so that a caller's session can be threaded through without changing
 * the operations.
 */
export interface WriteOperationOptions {
  /** The session the commands run in. */
  readonly session?: ClientSession;
}
