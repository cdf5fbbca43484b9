import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { JobFailEvent, MonqueEventMap } from '../../src/events.js';
import { createJobDocument } from '../../src/testing/create-job-document.js';

describe('MonqueEventMap', () => {
  it('types a Node EventEmitter: payloads arrive as listed', () => {
    const emitter = new EventEmitter<MonqueEventMap>();
    const job = createJobDocument({ name: 'send-email' });
    const received: unknown[] = [];
    emitter.on('job:start', (started) => received.push(started.name));
    emitter.on('job:fail', ({ error, willRetry }: JobFailEvent) =>
      received.push([error.message, willRetry]),
    );
    emitter.on('changestream:connected', (...args) => received.push(args.length));
    emitter.emit('job:start', job);
    emitter.emit('job:fail', { job, error: new Error('boom'), willRetry: true });
    emitter.emit('changestream:connected');
    expect(received).toEqual(['send-email', ['boom', true], 0]);
  });
});
