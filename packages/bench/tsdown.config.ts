import { defineConfig } from 'tsdown';

// The runner and the programs it forks (emulator server, scaling worker, memory probe) become
// runnable ESM files side by side in dist/, so the runner finds them next to itself.
export default defineConfig({
  entry: {
    run: 'src/run.ts',
    'emulator-server': 'src/children/emulator-server.ts',
    'scaling-worker': 'src/children/scaling-worker.ts',
    'memory-worker': 'src/children/memory-worker.ts',
  },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  dts: false,
  sourcemap: true,
  clean: true,
  fixedExtension: true,
  external: [/^@monque\//, 'mongodb', 'agenda', /^@agendajs\//],
});
