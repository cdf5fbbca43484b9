import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClaimRound } from '../../src/claim/hand-back-round.js';
import { UnknownRounds } from '../../src/claim/unknown-rounds.js';
import { deferred, flush } from './fakes.js';

function setup(handBack: (round: ClaimRound) => Promise<number>) {
  const handedBack: string[] = [];
  const errors: unknown[] = [];
  const calls: ClaimRound[] = [];
  const rounds = new UnknownRounds({
    handBack: (round) => {
      calls.push(round);
      return handBack(round);
    },
    onHandedBack: (name) => handedBack.push(name),
    onError: (error) => errors.push(error),
    answerTimeout: 5000,
  });
  return { rounds, handedBack, errors, calls };
}

const round = (name: string): ClaimRound => ({
  name,
  instanceId: 'me',
  lockedAt: new Date('2026-01-01T00:00:00Z'),
});

afterEach(() => {
  vi.useRealTimers();
});

describe('UnknownRounds', () => {
  it('hands a round back once its claim has answered, whether it succeeded or failed', async () => {
    const { rounds, handedBack, calls } = setup(async ({ name }) => (name === 'a' ? 2 : 0));
    const claimA = deferred<unknown>();
    const claimB = deferred<unknown>();
    rounds.add(round('a'), claimA.promise);
    rounds.add(round('b'), claimB.promise);
    await flush();
    expect(calls).toEqual([]);
    claimA.resolve({ jobs: [] });
    claimB.reject(new Error('reply lost'));
    await vi.waitFor(() => expect(calls.map(({ name }) => name)).toEqual(['a', 'b']));
    // Only a hand-back that found jobs makes the name due again.
    expect(handedBack).toEqual(['a']);
  });

  it('tries a failed hand-back again at every retry()', async () => {
    let attempts = 0;
    const { rounds, handedBack, errors } = setup(async () => {
      attempts += 1;
      if (attempts < 3) throw new Error(`down ${attempts}`);
      return 1;
    });
    rounds.add(round('a'), Promise.resolve());
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    await rounds.retry();
    expect(errors).toHaveLength(2);
    await rounds.retry();
    expect(handedBack).toEqual(['a']);
    await rounds.retry();
    expect(attempts).toBe(3);
  });

  it('drain() waits for a late answer at most answerTimeout, then hands back all it knows', async () => {
    vi.useFakeTimers();
    const { rounds, calls } = setup(async () => 1);
    const late = deferred<unknown>();
    const never = deferred<unknown>();
    rounds.add(round('late'), late.promise);
    rounds.add(round('never'), never.promise);
    let drained = false;
    const draining = rounds.drain().then(() => {
      drained = true;
    });
    await vi.advanceTimersByTimeAsync(1000);
    late.resolve(undefined);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls.map(({ name }) => name)).toEqual(['late']);
    expect(drained).toBe(false);
    await vi.advanceTimersByTimeAsync(4000);
    await draining;
    expect(calls.map(({ name }) => name)).toEqual(['late', 'never']);
    // The late answer of a drained round does not hand it back a second time.
    never.resolve(undefined);
    await vi.advanceTimersByTimeAsync(0);
    expect(calls).toHaveLength(2);
  });

  it('drain() tries failed hand-backs once more and waits for those on their way', async () => {
    let fail = true;
    const slow = deferred<number>();
    const { rounds, calls, errors } = setup(async ({ name }) => {
      if (name === 'slow') return slow.promise;
      if (fail) throw new Error('down');
      return 1;
    });
    rounds.add(round('failing'), Promise.resolve());
    await vi.waitFor(() => expect(errors).toHaveLength(1));
    rounds.add(round('slow'), Promise.resolve());
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    fail = false;
    let drained = false;
    const draining = rounds.drain().then(() => {
      drained = true;
    });
    await vi.waitFor(() => expect(calls).toHaveLength(3));
    await flush();
    expect(drained).toBe(false);
    slow.resolve(1);
    await draining;
    expect(errors).toHaveLength(1);
  });
});
