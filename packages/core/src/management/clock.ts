/**
 * Resolves once `Date.now()` is past the millisecond of `time` (at once when it already is), so
 * that anything stamped with `new Date()` from then on is strictly later than `time`. Waits in
 * 1 ms timer steps: a timer may fire early against the wall clock, so the clock is read again.
 */
export async function waitForClockToPass(time: Date): Promise<void> {
  while (Date.now() <= time.getTime()) {
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
}
