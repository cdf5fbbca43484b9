import { defineConfig } from 'tsdown';

// The runner and the programs it forks (emulator server, library worker, cancel owner) become runnable ESM
// files side by side in dist/, so the runner finds them next to itself.
export default defineConfig({
  entry: {
    run: 'src/run.ts',
    'emulator-server': 'src/children/emulator-server.ts',
    worker: 'src/children/worker.ts',
    'cancel-owner': 'src/children/cancel-owner.ts',
  },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  dts: false,
  sourcemap: true,
  clean: true,
  fixedExtension: true,
  external: [
    /^@monque\//,
    'mongodb',
    'agenda',
    /^@agendajs\//,
    'bullmq',
    'ioredis',
    'pg',
    'pg-boss',
  ],
});
