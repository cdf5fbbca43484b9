import type { ServerResponse } from 'node:http';
import type { SafeHtml } from '../html/html.js';

/**
 * Scripts and styles only from the dashboard's own files, no inline code, no frames, forms only
 * to the dashboard itself: a value that escaped escaping still could not run.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Headers every dashboard response carries. */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', CONTENT_SECURITY_POLICY);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
}

/** Sends a page; pages show live data, so none is cached. */
export function sendHtml(res: ServerResponse, status: number, page: SafeHtml): void {
  const body = Buffer.from(page.toString(), 'utf8');
  setSecurityHeaders(res);
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/html; charset=utf-8');
  res.setHeader('Content-Length', body.length);
  res.setHeader('Cache-Control', 'no-store');
  res.end(body);
}

/** Sends a plain-text answer (for requests that are not page views). */
export function sendText(res: ServerResponse, status: number, text: string): void {
  setSecurityHeaders(res);
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  res.end(text);
}

/** Redirects to a path of the dashboard with 303 See Other. */
export function redirect(res: ServerResponse, location: string): void {
  setSecurityHeaders(res);
  res.statusCode = 303;
  res.setHeader('Location', location);
  res.setHeader('Cache-Control', 'no-store');
  res.end();
}
