import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { readCookie } from './request.js';

/** The cookie that holds the browser's random CSRF nonce. */
export const CSRF_COOKIE = 'monque_dashboard_csrf';

/** The form field that carries the CSRF token. */
export const CSRF_FIELD = 'csrf';

const NONCE = /^[A-Za-z0-9_-]{43}$/;

/**
 * Signed double-submit protection: each browser gets a random nonce in an HttpOnly, SameSite=Strict
 * cookie scoped to the dashboard's path; forms carry HMAC(key, nonce). A POST is accepted only
 * when its token matches its cookie's nonce, so another site can neither read nor forge it.
 * Browsers that say a request comes from another site (`Sec-Fetch-Site`) are refused outright.
 */
export class CsrfProtection {
  readonly #key: Buffer;
  readonly #cookiePath: string;

  /**
   * @param secret - The signing key, or `undefined` for a random one.
   * @param cookiePath - The dashboard's base path (`''` for the root).
   */
  constructor(secret: string | undefined, cookiePath: string) {
    this.#key = secret === undefined ? randomBytes(32) : Buffer.from(secret, 'utf8');
    this.#cookiePath = cookiePath === '' ? '/' : cookiePath;
  }

  #sign(nonce: string): string {
    return createHmac('sha256', this.#key).update(nonce).digest('base64url');
  }

  /** The token for this browser's forms; sets the nonce cookie when the browser has none. */
  tokenFor(req: IncomingMessage, res: ServerResponse): string {
    let nonce = readCookie(req, CSRF_COOKIE);
    if (nonce === undefined || !NONCE.test(nonce)) {
      nonce = randomBytes(32).toString('base64url');
      const secure = (req.socket as Partial<TLSSocket>).encrypted === true ? '; Secure' : '';
      res.appendHeader(
        'Set-Cookie',
        `${CSRF_COOKIE}=${nonce}; Path=${this.#cookiePath}; HttpOnly; SameSite=Strict${secure}`,
      );
    }
    return this.#sign(nonce);
  }

  /** Whether a state-changing request carries a valid token for its cookie. */
  verify(req: IncomingMessage, token: string | null): boolean {
    const site = req.headers['sec-fetch-site'];
    if (site === 'cross-site' || site === 'same-site') return false;
    const nonce = readCookie(req, CSRF_COOKIE);
    if (nonce === undefined || !NONCE.test(nonce) || token === null) return false;
    const expected = Buffer.from(this.#sign(nonce));
    const given = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
