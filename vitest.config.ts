import { defineConfig } from 'vitest/config';

// Vitest 4 reads its projects from this root config (the older `vitest.workspace.ts` file is no
// longer read). Each package keeps its own `vitest.config.ts` with `defineProject`.
export default defineConfig({
  test: {
    projects: ['packages/*'],
    reporters: ['default', './scripts/summary-reporter.ts'],
    coverage: {
      provider: 'v8',
      // The scheduler's sources are held to full coverage; `npm test` runs with --coverage.
      include: ['packages/core/src/**/*.ts'],
      reporter: ['text-summary', 'json-summary'],
      thresholds: {
        statements: 100,
        functions: 100,
        lines: 100,
        branches: 95,
      },
    },
  },
});
