import { describe, expect, it } from 'vitest';
import { MonqueError, WorkerRegistrationError } from '../../src/errors.js';
import { WorkerRegistry } from '../../src/workers/worker-registry.js';

const noop = () => {};

describe('WorkerRegistry', () => {
  it('registers workers and refuses a duplicate unless replace is set', () => {
    const registry = new WorkerRegistry(undefined);
    registry.register('a', noop, 1, false);
    expect(() => registry.register('a', noop, 1, false)).toThrow(WorkerRegistrationError);
    const replacement = () => {};
    registry.register('a', replacement, 2, true);
    expect(registry.handlerFor('a')).toBe(replacement);
    expect(registry.handlerFor('b')).toBeUndefined();
    expect(registry.has('a')).toBe(true);
    expect(registry.names).toEqual(['a']);
  });

  it('holds at most concurrency slots per name', () => {
    const registry = new WorkerRegistry(undefined);
    registry.register('a', noop, 2, false);
    expect(registry.reserve('a', 1)).toBe(1);
    expect(registry.reserve('a', 5)).toBe(1);
    expect(registry.reserve('a', 1)).toBe(0);
    expect(registry.heldCount).toBe(2);
    registry.release('a');
    expect(registry.hasFreeSlot('a')).toBe(true);
    registry.release('a');
    expect(registry.heldCount).toBe(0);
    expect(registry.reserve('a', 5)).toBe(2);
    registry.release('a', 2);
    expect(registry.heldCount).toBe(0);
  });

  it('holds at most maxConcurrency slots in total', () => {
    const registry = new WorkerRegistry(1);
    registry.register('a', noop, 5, false);
    registry.register('b', noop, 5, false);
    expect(registry.reserve('a', 3)).toBe(1);
    expect(registry.reserve('b', 3)).toBe(0);
    registry.release('a');
    expect(registry.reserve('b', 3)).toBe(1);
  });

  it('has no slot for an unregistered name', () => {
    const registry = new WorkerRegistry(undefined);
    expect(registry.reserve('nobody', 1)).toBe(0);
    expect(registry.hasFreeSlot('nobody')).toBe(false);
    expect(registry.concurrencyOf('nobody')).toBe(0);
    registry.register('somebody', () => {}, 3, false);
    expect(registry.concurrencyOf('somebody')).toBe(3);
  });

  it('keeps held slots when a worker is replaced', () => {
    const registry = new WorkerRegistry(undefined);
    registry.register('a', noop, 1, false);
    expect(registry.reserve('a', 1)).toBe(1);
    registry.register('a', noop, 1, true);
    expect(registry.reserve('a', 1)).toBe(0);
    expect(registry.reserve('a', 1)).toBe(0);
  });

  it('has no free slot after a replacement lowered the concurrency below the slots held', () => {
    const registry = new WorkerRegistry(undefined);
    registry.register('a', noop, 3, false);
    expect(registry.reserve('a', 3)).toBe(3);
    registry.register('a', noop, 1, true);
    expect(registry.reserve('a', 3)).toBe(0);
    expect(registry.hasFreeSlot('a')).toBe(false);
    registry.release('a', 3);
    expect(registry.reserve('a', 3)).toBe(1);
  });

  it('reports releasing a slot that is not held', () => {
    const registry = new WorkerRegistry(undefined);
    expect(() => registry.release('a')).toThrow(/fewer than 1 slot/);
    // A broken invariant is a bug, but still one of Monque's errors.
    expect(() => registry.release('a')).toThrow(MonqueError);
    registry.register('a', noop, 2, false);
    registry.reserve('a', 1);
    expect(() => registry.release('a', 2)).toThrow(/fewer than 2 slot/);
  });
});
