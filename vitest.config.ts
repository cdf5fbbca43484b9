import { defineConfig } from 'vitest/config';
import projects from './vitest.workspace.ts';

// The projects are listed in vitest.workspace.ts; Vitest 4 reads them from here (`test.projects`).
export default defineConfig({
  test: {
    projects,
    // Chooses the integration tests' database once for the run and prints which and why.
    globalSetup: ['packages/test-support/src/global-setup.ts'],
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
