import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
// The project's one rule for finding the browser: CHROMIUM_PATH or Debian's Chromium; without
// one, browser tests skip on a developer's machine and fail under CI=true (which .ci/run sets).
import { type BrowserLookup, findChromium } from '../../../docs/tests/support/chromium.js';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

const lookup: BrowserLookup = findChromium();

/** Whether the browser tests run: with a browser, or under CI without one (to fail there). */
export function shouldRunBrowserTests(): boolean {
  if (lookup.kind !== 'skip') return true;
  process.stderr.write(`\n!!! dashboard: ${lookup.message}\n\n`);
  return false;
}

/** A browser with a fresh profile, removed again by `close()`. */
export interface TestBrowser {
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Starts Chromium headless with a fresh user data directory; throws when there is none. */
export async function launchChromium(): Promise<TestBrowser> {
  if (lookup.kind !== 'found') throw new Error(lookup.message);
  const profile = mkdtempSync(join(tmpdir(), 'monque-dashboard-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: lookup.path,
      headless: true,
      args: ARGS,
      viewport: { width: 1280, height: 800 },
    });
    return {
      context,
      async close() {
        await context.close();
        rmSync(profile, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
}
