import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'bench',
    include: ['tests/**/*.test.ts'],
    environment: 'node',
  },
});
