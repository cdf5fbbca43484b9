import { defineConfig } from 'tsdown';

// Each program becomes one runnable ESM file in dist/ (`node dist/demo.mjs`).
export default defineConfig({
  entry: {
    demo: 'src/demo.ts',
    'quick-start': 'src/quick-start.ts',
    retries: 'src/retries.ts',
    cron: 'src/cron.ts',
    'unique-keys': 'src/unique-keys.ts',
    'transactional-enqueue': 'src/transactional-enqueue.ts',
    'http-service': 'src/http-service.ts',
    'multiple-instances': 'src/multiple-instances.ts',
  },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  dts: false,
  sourcemap: true,
  clean: true,
  fixedExtension: true,
  external: [/^@monque\//, 'mongodb'],
});
