const startedAt = performance.now();

function clock(): string {
  const seconds = Math.floor((performance.now() - startedAt) / 1000);
  const minutes = Math.floor(seconds / 60);
  return `${String(minutes).padStart(2, '0')}:${String(seconds % 60).padStart(2, '0')}`;
}

/** Prints one progress line, prefixed with the time since the run started. */
export function progress(scope: string, message: string): void {
  process.stdout.write(`[${clock()}] ${scope.padEnd(10)} ${message}\n`);
}

/** Seconds since the process started the benchmark module. */
export function elapsedSeconds(): number {
  return (performance.now() - startedAt) / 1000;
}
