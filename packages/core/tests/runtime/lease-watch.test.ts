import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { LeaseWatch } from '../../src/processing/lease-watch.js';

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(span = 200) {
  const expired: string[][] = [];
  const watch = new LeaseWatch<string>({
    span,
    monotonic: () => Date.now(),
    onExpired: (holders) => expired.push(holders),
  });
  return { watch, expired };
}

describe('LeaseWatch', () => {
  it('gives a lease up exactly `span` after its last confirmation, not a millisecond earlier', () => {
    const { watch, expired } = setup(200);
    const claimSent = Date.now();
    watch.hold('a', claimSent);
    vi.advanceTimersByTime(150);
    // A heartbeat sent 100 ms after the claim landed: the lease now runs until 100 + 200.
    watch.confirm(['a'], claimSent + 100);
    vi.advanceTimersByTime(149);
    expect(expired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(expired).toEqual([['a']]);
    // Given up once: nothing more is reported.
    vi.advanceTimersByTime(1000);
    expect(expired).toEqual([['a']]);
  });

  it('measures from the send of the claim, so a claim answered late has less left', () => {
    const { watch, expired } = setup(200);
    const sentAt = Date.now();
    vi.advanceTimersByTime(180);
    expect(watch.hasExpired(sentAt)).toBe(false);
    watch.hold('late', sentAt);
    vi.advanceTimersByTime(20);
    expect(watch.hasExpired(sentAt)).toBe(true);
    expect(expired).toEqual([['late']]);
    // A lease already run out when held is handed over at once.
    watch.hold('later', sentAt);
    expect(expired).toEqual([['late'], ['later']]);
  });

  it('hands over together the leases that run out together, and the others at their time', () => {
    const { watch, expired } = setup(100);
    const start = Date.now();
    watch.hold('a', start);
    watch.hold('b', start);
    watch.hold('c', start + 50);
    // An older confirmation does not shorten a lease; an unknown holder is ignored.
    watch.confirm(['c', 'unknown'], start);
    vi.advanceTimersByTime(100);
    expect(expired).toEqual([['a', 'b']]);
    vi.advanceTimersByTime(50);
    expect(expired).toEqual([['a', 'b'], ['c']]);
  });

  it('stops watching a dropped holder and keeps no timer when none is left', () => {
    const { watch, expired } = setup(100);
    watch.hold('a', Date.now());
    watch.drop('a');
    watch.drop('never held');
    expect(vi.getTimerCount()).toBe(0);
    vi.advanceTimersByTime(500);
    expect(expired).toEqual([]);
  });
});
