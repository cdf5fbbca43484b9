import { existsSync } from 'node:fs';

/** Where Chromium (or Chrome) is looked for, in order, unless `CHROMIUM_PATH` names it. */
export const CHROMIUM_CANDIDATES: readonly string[] = [
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
];

/** How to get a browser for the docs' browser tests. */
export const INSTALL_HINT =
  'install it with `sudo apt-get install -y chromium` (Debian, Ubuntu) or set CHROMIUM_PATH to a Chromium or Chrome binary';

/** What the browser tests do: run with the browser found, skip (locally), or fail (in CI). */
export type BrowserLookup =
  | { readonly kind: 'found'; readonly path: string }
  | { readonly kind: 'skip'; readonly message: string }
  | { readonly kind: 'fail'; readonly message: string };

/** Whether the environment says it is a CI run (`CI=true`, as CI services and `.ci/run` set). */
export function isCi(env: NodeJS.ProcessEnv): boolean {
  const value = env.CI?.trim().toLowerCase();
  return value !== undefined && value !== '' && value !== 'false' && value !== '0';
}

/**
 * Finds the browser for the docs' browser tests. Without one they are skipped on a developer's
 * machine (with a message saying how to install it) and fail in CI, where a skipped test would
 * go unnoticed.
 */
export function findChromium(
  env: NodeJS.ProcessEnv = process.env,
  exists: (path: string) => boolean = existsSync,
): BrowserLookup {
  const candidates = env.CHROMIUM_PATH ? [env.CHROMIUM_PATH] : CHROMIUM_CANDIDATES;
  const path = candidates.find((candidate) => exists(candidate));
  if (path !== undefined) return { kind: 'found', path };
  const where = candidates.join(', ');
  if (isCi(env)) {
    return {
      kind: 'fail',
      message: `docs: the browser tests need Chromium, and CI must run them: none at ${where}; ${INSTALL_HINT}.`,
    };
  }
  return {
    kind: 'skip',
    message: `docs: SKIPPING the browser tests: no Chromium at ${where}; ${INSTALL_HINT}.`,
  };
}
