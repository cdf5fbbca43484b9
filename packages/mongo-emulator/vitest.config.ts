import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'mongo-emulator',
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
