import { defineConfig } from 'vitest/config';

// Vitest 4 reads its projects from this root config (the older `vitest.workspace.ts` file is no
// longer read). Each package keeps its own `vitest.config.ts` with `defineProject`.
export default defineConfig({
  test: {
    projects: ['packages/*'],
    reporters: ['default', './scripts/summary-reporter.ts'],
  },
});
