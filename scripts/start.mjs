// The `npm start` demo arrives with the docs issue; until then this says so and exits cleanly.
console.log('Monque demo: not built yet. Run `npm test` to exercise the library.');
