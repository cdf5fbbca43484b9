import { describe, expect, it } from 'vitest';
import { CLOCK_SAMPLE_MAX_AGE, DatabaseClock } from '../../src/runtime/database-clock.js';

describe('DatabaseClock', () => {
  it("reads this process's clock until it has a sample", () => {
    const clock = new DatabaseClock(() => 0);
    const before = Date.now();
    const read = clock.now().getTime();
    expect(read).toBeGreaterThanOrEqual(before);
    expect(read).toBeLessThanOrEqual(Date.now());
    expect(clock.needsSample()).toBe(true);
    expect(clock.uncertainty).toBe(Number.POSITIVE_INFINITY);
  });

  it("maps the server's localTime to the midpoint of the round trip, on the monotonic clock", async () => {
    let monotonic = 1000;
    const clock = new DatabaseClock(() => monotonic);
    const serverTime = new Date('2030-01-01T00:00:00.000Z');
    await clock.sample(async (command) => {
      expect(command).toEqual({ hello: 1 });
      monotonic += 40; // the round trip takes 40 ms
      return { localTime: serverTime };
    });
    // The server read its clock 20 ms into the round trip: at monotonic 1020.
    expect(clock.now().toISOString()).toBe('2030-01-01T00:00:00.020Z');
    expect(clock.uncertainty).toBe(20);
    monotonic += 500;
    expect(clock.now().toISOString()).toBe('2030-01-01T00:00:00.520Z');
    expect(clock.needsSample()).toBe(false);
    monotonic += CLOCK_SAMPLE_MAX_AGE;
    expect(clock.needsSample()).toBe(true);
  });

  it('keeps its estimate when the reply has no usable localTime', async () => {
    let monotonic = 0;
    const clock = new DatabaseClock(() => monotonic);
    await clock.sample(async () => ({ localTime: new Date(5000) }));
    for (const localTime of [undefined, '2030-01-01', new Date(Number.NaN)]) {
      monotonic += 10;
      await clock.sample(async () => ({ localTime }));
    }
    expect(clock.now().getTime()).toBe(5030);
  });
});
