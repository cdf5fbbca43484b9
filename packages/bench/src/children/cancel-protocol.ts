/** How the owner of the cancel scenario learns of cancel requests. */
export type CancelNotify = 'change-stream' | 'polling';

/** The first message to the cancel scenario's owner process (children/cancel-owner.ts). */
export interface CancelOwnerConfig {
  readonly type: 'start';
  readonly uri: string;
  readonly dbName: string;
  readonly jobName: string;
  readonly notify: CancelNotify;
  readonly concurrency: number;
  readonly heartbeatInterval: number;
}

/** The owner's messages to the runner. */
export type CancelOwnerReport =
  | { readonly type: 'owner-ready'; readonly listening: string }
  | { readonly type: 'started'; readonly jobId: string }
  | {
      readonly type: 'aborted';
      readonly jobId: string;
      readonly at: number;
      readonly reason: string;
    }
  | { readonly type: 'cancelled'; readonly jobId: string }
  | { readonly type: 'owner-error'; readonly message: string }
  | { readonly type: 'owner-stopped' };

/**
 * The clock both processes stamp with: milliseconds since the epoch, with sub-millisecond
 * resolution (`performance.timeOrigin + performance.now()`), so that a moment taken in the owner
 * and one taken in the runner on the same machine can be subtracted.
 */
export function machineNow(): number {
  return performance.timeOrigin + performance.now();
}
