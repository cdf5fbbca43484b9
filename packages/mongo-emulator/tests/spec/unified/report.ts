/** Outcome counts of one spec file. */
interface FileCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Collects the outcome of every case and prints the per-file table at the end. */
export class SpecReport {
  private readonly files = new Map<string, FileCounts>();

  private counts(file: string): FileCounts {
    let counts = this.files.get(file);
    if (counts === undefined) {
      counts = { passed: 0, failed: 0, skipped: 0 };
      this.files.set(file, counts);
    }
    return counts;
  }

  /** Registers a file so that it appears even when all its cases are skipped. */
  addFile(file: string): void {
    this.counts(file);
  }

  record(file: string, outcome: keyof FileCounts): void {
    this.counts(file)[outcome] += 1;
  }

  /** The table and the closing `N passed, N failed` line. */
  render(): string {
    const rows = [...this.files.entries()];
    const width = Math.max(4, ...rows.map(([file]) => file.length));
    const lines = [`${'file'.padEnd(width)}  passed  failed  skipped`];
    const total: FileCounts = { passed: 0, failed: 0, skipped: 0 };
    for (const [file, counts] of rows) {
      lines.push(
        `${file.padEnd(width)}  ${String(counts.passed).padStart(6)}  ${String(counts.failed).padStart(6)}  ${String(counts.skipped).padStart(7)}`,
      );
      total.passed += counts.passed;
      total.failed += counts.failed;
      total.skipped += counts.skipped;
    }
    lines.push(`specs: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
    return lines.join('\n');
  }
}
