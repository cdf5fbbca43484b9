import { defineConfig } from 'tsdown';

// Each program becomes one runnable ESM file in dist/ (`node dist/demo.mjs`).
export default defineConfig({
  entry: { demo: 'src/demo.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  dts: false,
  sourcemap: true,
  clean: true,
  fixedExtension: true,
  external: [/^@monque\//, 'mongodb'],
});
