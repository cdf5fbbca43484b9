import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'core',
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
