/** One Server-Sent Event. */
export interface ServerSentEvent {
  readonly event: string;
  readonly data: string;
}

/** Reads an event stream and lets a test wait for the event it expects. */
export class EventReader {
  readonly events: ServerSentEvent[] = [];
  readonly #controller = new AbortController();
  readonly #waiters = new Set<() => void>();
  readonly #done: Promise<void>;
  readonly response: Promise<Response>;

  constructor(url: string) {
    this.response = fetch(url, { signal: this.#controller.signal });
    this.#done = this.#read().catch((error: unknown) => {
      if (!this.#controller.signal.aborted) throw error;
    });
  }

  async #read(): Promise<void> {
    const response = await this.response;
    if (response.body === null) return;
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end = buffer.indexOf('\n\n');
      while (end !== -1) {
        const block = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const lines = block.split('\n');
        const event = lines.find((line) => line.startsWith('event: '))?.slice('event: '.length);
        const data = lines
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice('data: '.length))
          .join('\n');
        if (event !== undefined) this.events.push({ event, data });
        for (const waiter of this.#waiters) waiter();
        end = buffer.indexOf('\n\n');
      }
    }
  }

  /** Resolves with the first event (already received or to come) that matches. */
  waitFor(
    match: (event: ServerSentEvent) => boolean,
    timeoutMs = 10_000,
  ): Promise<ServerSentEvent> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const found = this.events.find(match);
        if (found === undefined) return;
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(found);
      };
      const timer = setTimeout(() => {
        this.#waiters.delete(check);
        reject(
          new Error(
            `no matching event within ${timeoutMs} ms; received:\n${this.events.map((event) => `${event.event}: ${event.data.slice(0, 200)}`).join('\n')}`,
          ),
        );
      }, timeoutMs);
      this.#waiters.add(check);
      check();
    });
  }

  async close(): Promise<void> {
    this.#controller.abort();
    await this.#done;
  }
}
