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
    name: 'core',
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // Type tests (`*.test-d.ts`): what exists only as types (the event map, typed payloads) is
    // checked by the compiler as part of the run.
    typecheck: {
      enabled: true,
      include: ['tests/**/*.test-d.ts'],
      tsconfig: './tsconfig.json',
    },
  },
});
