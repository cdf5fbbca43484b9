import type { IncomingMessage } from 'node:http';

/** A request as the dashboard's routes see it. */
export interface DashboardRequest {
  readonly raw: IncomingMessage;
  readonly method: string;
  /** The path below the dashboard's base path, always starting with `/`. */
  readonly path: string;
  readonly query: URLSearchParams;
}

/** Frameworks such as Express strip their mount path from `url` and keep the full one here. */
interface MountedRequest extends IncomingMessage {
  originalUrl?: unknown;
}

/**
 * The request's path and query relative to `basePath`, or `undefined` when the request is not
 * for the dashboard (so the caller passes it on).
 */
export function toDashboardRequest(
  req: IncomingMessage,
  basePath: string,
): DashboardRequest | undefined {
  const original = (req as MountedRequest).originalUrl;
  const url = typeof original === 'string' ? original : (req.url ?? '/');
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://dashboard.invalid');
  } catch {
    return undefined;
  }
  const pathname = parsed.pathname;
  if (pathname !== basePath && !pathname.startsWith(`${basePath}/`)) return undefined;
  const path = pathname.slice(basePath.length) || '/';
  return { raw: req, method: req.method ?? 'GET', path, query: parsed.searchParams };
}

/** Frameworks with a body parser (Express's `urlencoded`) leave the parsed form here. */
interface ParsedBodyRequest extends IncomingMessage {
  body?: unknown;
}

/** The largest form the dashboard accepts, in bytes. */
export const MAX_FORM_BYTES = 16 * 1024;

/** A request body the dashboard refuses; `status` is the HTTP status to answer with. */
export class BadRequestBody extends Error {
  override readonly name = 'BadRequestBody';
  constructor(
    readonly status: 400 | 413 | 415,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The fields of an `application/x-www-form-urlencoded` body: read from the stream, or taken from
 * `req.body` when a framework parsed it already (only string fields are kept).
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const parsed = (req as ParsedBodyRequest).body;
  if (typeof parsed === 'object' && parsed !== null && !Buffer.isBuffer(parsed)) {
    const form = new URLSearchParams();
    for (const [key, value] of Object.entries(parsed)) {
      if (typeof value === 'string') form.append(key, value);
    }
    return form;
  }
  const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    throw new BadRequestBody(415, 'expected a form (application/x-www-form-urlencoded)');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > MAX_FORM_BYTES) {
      throw new BadRequestBody(413, `the form is larger than ${MAX_FORM_BYTES} bytes`);
    }
    chunks.push(buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

/** The value of one cookie of the request, or `undefined`. */
export function readCookie(req: IncomingMessage, name: string): string | undefined {
  const header = req.headers.cookie;
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const at = part.indexOf('=');
    if (at === -1) continue;
    if (part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
