import { defineConfig } from 'tsdown';

const node = {
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  fixedExtension: true,
  // The asset loader reads `import.meta.url`, which the CommonJS build gets from this shim.
  shims: true,
} as const;

// One build, three outputs: the library (ESM and CommonJS), the `monque-dashboard` command, and
// the browser files the library serves from dist/assets (the client script and the style sheet).
export default defineConfig([
  {
    ...node,
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    clean: ['dist/index.*'],
  },
  {
    ...node,
    entry: { cli: 'src/cli.ts' },
    format: ['esm'],
    dts: false,
    clean: ['dist/cli.*'],
  },
  {
    entry: { dashboard: 'src/client/dashboard.ts' },
    outDir: 'dist/assets',
    format: ['iife'],
    platform: 'browser',
    target: 'es2022',
    dts: false,
    sourcemap: false,
    clean: true,
    outputOptions: { entryFileNames: '[name].js' },
    copy: [{ from: 'src/client/dashboard.css', to: 'dist/assets' }],
  },
]);
