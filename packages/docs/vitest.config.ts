import { defineProject } from 'vitest/config';

export default defineProject({
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
