/** Outcome counts of one spec file. */
interface FileCounts {
  passed: number;
  failed: number;
  skipped: number;
}

/** Collects the outcome of every case and prints the per-file table at the end. */
export class SpecReport {
  private readonly files = new Map<string, FileCounts>();
  private readonly skipReasons = new Map<string, number>();
  private adjustedCases = 0;
  private adjustedEvents = 0;

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

  /** Records a skipped case and why it was skipped. */
  recordSkip(file: string, reason: string): void {
    this.record(file, 'skipped');
    this.skipReasons.set(reason, (this.skipReasons.get(reason) ?? 0) + 1);
  }

  /** Notes a passed case whose commit/abort events matched without the driver's `wtimeout`. */
  recordDriverWtimeouts(events: number): void {
    if (events === 0) return;
    this.adjustedCases += 1;
    this.adjustedEvents += events;
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
    const reasons = [...this.skipReasons.entries()].sort((a, b) => b[1] - a[1]);
    for (const [reason, count] of reasons)
      lines.push(`  skipped ${String(count).padStart(3)}: ${reason}`);
    if (this.adjustedCases > 0) {
      lines.push(
        `of the passed: ${this.adjustedCases} matched ${this.adjustedEvents} commitTransaction/abortTransaction events without the wtimeout: 10000 the Node driver adds`,
      );
    }
    return lines.join('\n');
  }
}
