import type { ServerResponse } from 'node:http';
import { setSecurityHeaders } from '../http/responses.js';

/** How often a comment line keeps an idle stream open through proxies (ms). */
export const KEEP_ALIVE_INTERVAL = 15_000;

/** An open Server-Sent Events response. */
export interface EventStream {
  /** Sends one event; `data` may span lines. */
  send(event: string, data: string): void;
  /** Resolves when the browser closed the connection (or the response ended). */
  readonly closed: Promise<void>;
}

/** Starts a `text/event-stream` response. */
export function openEventStream(res: ServerResponse): EventStream {
  setSecurityHeaders(res);
  res.statusCode = 200;
  res.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Connection', 'keep-alive');
  // Proxies such as nginx would otherwise buffer the stream.
  res.setHeader('X-Accel-Buffering', 'no');
  res.flushHeaders();
  res.write('retry: 2000\n\n');
  const keepAlive = setInterval(() => res.write(': keep-alive\n\n'), KEEP_ALIVE_INTERVAL);
  const closed = new Promise<void>((resolve) => {
    const done = (): void => {
      clearInterval(keepAlive);
      resolve();
    };
    res.once('close', done);
  });
  return {
    send(event, data) {
      if (res.writableEnded || res.destroyed) return;
      const lines = data.split(/\r\n|\r|\n/).map((line) => `data: ${line}`);
      res.write(`event: ${event}\n${lines.join('\n')}\n\n`);
    },
    closed,
  };
}
