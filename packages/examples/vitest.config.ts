import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'examples',
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
