// The `npm run bench` harness arrives with the benchmarks issue; until then this says so.
console.log('Monque benchmarks: not built yet.');
