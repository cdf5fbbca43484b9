import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'mongo-emulator',
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // A test's time limit only stops a hung test: the tests assert outcomes and order, not speed,
    // and a busy two-core machine runs many of them well beyond Vitest's 5 s default.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
