import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

const source = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

export default defineProject({
  resolve: {
    // The documentation is checked against the sources, so a change there needs no rebuild.
    alias: [
      { find: /^@monque\/core$/, replacement: source('../core/src/index.ts') },
      { find: /^@monque\/core\/testing$/, replacement: source('../core/src/testing/index.ts') },
      { find: /^@monque\/mongo-emulator$/, replacement: source('../mongo-emulator/src/index.ts') },
    ],
  },
  test: {
    name: 'docs',
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // Building the site (only when `dist` does not match the sources) takes up to a few minutes
    // on a busy machine.
    hookTimeout: 300_000,
    testTimeout: 60_000,
  },
});
