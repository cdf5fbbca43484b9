import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// The long chaos run (`npm run chaos -w @monque/core`), kept out of `npm test`: only
// long-run.chaos.ts, which runs the seeds given by scripts/chaos.mjs.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../../..', import.meta.url)),
    include: ['tests/reliability/chaos/long-run.chaos.ts'],
    environment: 'node',
  },
});
