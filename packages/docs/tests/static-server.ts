import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
};

/** A running static file server. */
export interface StaticServer {
  /** The origin and base path, such as `http://127.0.0.1:43210/`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Resolves a URL path (below `base`) to a file of `root` as a static host would: `dir/` and `dir`
 * serve `dir/index.html`. Returns `undefined` for paths outside `base`, outside `root`, or missing.
 */
export function resolveFile(root: string, base: string, urlPath: string): string | undefined {
  if (!urlPath.startsWith(base)) {
    return undefined;
  }
  let relativePath: string;
  try {
    relativePath = decodeURIComponent(urlPath.slice(base.length));
  } catch {
    return undefined;
  }
  const candidate = normalize(join(root, relativePath));
  if (candidate !== root && !candidate.startsWith(root.endsWith(sep) ? root : `${root}${sep}`)) {
    return undefined;
  }
  for (const file of [candidate, join(candidate, 'index.html')]) {
    if (existsSync(file) && statSync(file).isFile()) {
      return file;
    }
  }
  return undefined;
}

/** Serves `root` under `base` on a free localhost port. */
export async function startStaticServer(root: string, base: string): Promise<StaticServer> {
  const notFound = join(root, '404.html');
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    const file = resolveFile(root, base, path);
    if (file === undefined) {
      response.writeHead(404, { 'content-type': CONTENT_TYPES['.html'] ?? 'text/html' });
      response.end(existsSync(notFound) ? readFileSync(notFound) : 'Not found');
      return;
    }
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
    });
    response.end(readFileSync(file));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}${base}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
