import { describe, expect, it } from 'vitest';
import { CHROMIUM_CANDIDATES, findChromium } from './support/chromium.ts';

const nothing = () => false;

describe('the browser for the docs site tests', () => {
  it('is a failure, not a skip, under CI=true when Chromium is missing', () => {
    const lookup = findChromium({ CI: 'true' }, nothing);
    expect(lookup.kind).toBe('fail');
    expect(lookup.kind === 'fail' && lookup.message).toMatch(/apt-get install -y chromium/);
  });

  it('is skipped on a developer machine, with a message saying how to install it', () => {
    for (const env of [{}, { CI: 'false' }, { CI: '' }]) {
      const lookup = findChromium(env, nothing);
      expect(lookup.kind).toBe('skip');
      expect(lookup.kind === 'skip' && lookup.message).toMatch(
        /SKIPPING.*apt-get install -y chromium/,
      );
    }
  });

  it('is found at the first candidate that exists, or at CHROMIUM_PATH', () => {
    const second = CHROMIUM_CANDIDATES[1] ?? '';
    expect(findChromium({ CI: 'true' }, (path) => path === second)).toEqual({
      kind: 'found',
      path: second,
    });
    expect(
      findChromium({ CHROMIUM_PATH: '/opt/chrome' }, (path) => path === '/opt/chrome'),
    ).toEqual({
      kind: 'found',
      path: '/opt/chrome',
    });
    expect(findChromium({ CI: '1', CHROMIUM_PATH: '/opt/none' }, () => true).kind).toBe('found');
    expect(findChromium({ CI: '1', CHROMIUM_PATH: '/opt/none' }, nothing).kind).toBe('fail');
  });
});
