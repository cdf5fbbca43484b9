import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'dashboard',
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['tests/support/build-once.ts'],
    // Browser tests start Chromium and child processes on a busy two-core machine.
    hookTimeout: 60_000,
    testTimeout: 30_000,
  },
});
