import { createServer, type IncomingMessage, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A server on a free loopback port. */
export interface TestServer {
  readonly url: string;
  readonly server: Server;
  close(): Promise<void>;
}

/**
 * Serves `listener` on 127.0.0.1. With `remoteAddress`, every request looks as if it came from
 * that address (to test what the dashboard does with requests from other machines).
 */
export async function serve(
  listener: RequestListener,
  options: { readonly remoteAddress?: string } = {},
): Promise<TestServer> {
  const server = createServer((req: IncomingMessage, res) => {
    if (options.remoteAddress !== undefined) {
      Object.defineProperty(req.socket, 'remoteAddress', {
        value: options.remoteAddress,
        configurable: true,
      });
    }
    listener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A browser-like client: keeps cookies, does not follow redirects. */
export class TestClient {
  readonly #base: string;
  readonly #cookies = new Map<string, string>();

  constructor(base: string) {
    this.#base = base;
  }

  async request(path: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.#cookies.size > 0) {
      headers.set(
        'cookie',
        [...this.#cookies].map(([name, value]) => `${name}=${value}`).join('; '),
      );
    }
    const response = await fetch(new URL(path, this.#base), {
      ...init,
      headers,
      redirect: 'manual',
    });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      this.#cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
    return response;
  }

  /** GETs a page and returns its status and HTML. */
  async page(path: string): Promise<{ status: number; html: string; response: Response }> {
    const response = await this.request(path);
    return { status: response.status, html: await response.text(), response };
  }

  /** POSTs a form. */
  async post(
    path: string,
    fields: Readonly<Record<string, string>>,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<{ status: number; html: string }> {
    const response = await this.request(path, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
      body: new URLSearchParams(fields).toString(),
    });
    return { status: response.status, html: await response.text() };
  }
}

/** The CSRF token of the first form of a page. */
export function csrfTokenOf(html: string): string {
  const token = /name="csrf" value="([^"]+)"/.exec(html)?.[1];
  if (token === undefined) throw new Error(`no CSRF token in the page:\n${html}`);
  return token;
}
