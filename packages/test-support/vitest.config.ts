import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: {
    alias: {
      // Tests run the emulator from its sources, so a change there needs no rebuild.
      '@monque/mongo-emulator': fileURLToPath(
        new URL('../mongo-emulator/src/index.ts', import.meta.url),
      ),
    },
  },
  test: {
    name: 'test-support',
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // A test's time limit only stops a hung test: the tests assert outcomes and order, not speed,
    // and a busy two-core machine runs many of them well beyond Vitest's 5 s default.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
