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
  },
});
