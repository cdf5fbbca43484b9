#!/usr/bin/env node
console.error('mongo-emulator: the server is not built yet');
process.exitCode = 1;
