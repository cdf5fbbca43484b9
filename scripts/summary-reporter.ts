import type {
  Reporter,
  SerializedError,
  TestCase,
  TestModule,
  TestSuite,
  Vitest,
} from 'vitest/node';
import {
  type CoverageSource,
  coverageByPackage,
  formatCoverage,
  type Thresholds,
} from './coverage-summary.js';

/** What a run's closing line counts. */
export interface RunCounts {
  passed: number;
  /** Tests that ran and failed. */
  failedTests: number;
  /** Tests that never ran because a hook (`beforeAll`, `beforeEach`, …) of theirs failed. */
  notRun: number;
  /** Hooks that failed (a `beforeAll` or `afterAll` of a file or suite). */
  failedHooks: number;
  /** Test files that failed to load (an import or syntax error): none of their tests ran. */
  failedFiles: number;
  /** Errors outside any test (unhandled rejections, uncaught exceptions): they fail the run. */
  unhandledErrors: number;
  /** Tests skipped on purpose (`it.skip`, `ctx.skip()`, a filter). */
  skipped: number;
}

/** The parts of a test module the counting reads (Vitest's `TestModule` has them). */
export type CountedModule = Pick<TestModule, 'children' | 'errors'>;

/** The module or suites a test sits in, innermost first. */
function ancestors(test: TestCase): (TestSuite | TestModule)[] {
  const chain: (TestSuite | TestModule)[] = [];
  for (let parent: TestSuite | TestModule = test.parent; ; parent = parent.parent) {
    chain.push(parent);
    if (parent.type === 'module') return chain;
  }
}

/**
 * Counts a run. A test counts as failed when it failed, and also when it was skipped because a
 * hook around it failed (Vitest reports those as skipped); a failed hook and a file that failed
 * to load each count as one failure more, and so does every unhandled error — so the line never
 * says `0 failed` for a run Vitest fails.
 */
export function countRun(
  testModules: ReadonlyArray<CountedModule>,
  unhandledErrors: ReadonlyArray<SerializedError>,
): RunCounts {
  const counts: RunCounts = {
    passed: 0,
    failedTests: 0,
    notRun: 0,
    failedHooks: 0,
    failedFiles: 0,
    unhandledErrors: unhandledErrors.length,
    skipped: 0,
  };
  for (const module of testModules) {
    const tests = [...module.children.allTests()];
    if (module.errors().length > 0) {
      if (tests.length === 0) counts.failedFiles += 1;
      else counts.failedHooks += 1;
    }
    for (const suite of module.children.allSuites()) {
      if (suite.errors().length > 0) counts.failedHooks += 1;
    }
    for (const test of tests) {
      const state = test.result().state;
      if (state === 'passed') counts.passed += 1;
      else if (state === 'failed') counts.failedTests += 1;
      else if (ancestors(test).some((parent) => parent.errors().length > 0)) counts.notRun += 1;
      else counts.skipped += 1;
    }
  }
  return counts;
}

/** `Tests: N passed, N failed, N skipped`, with what the failures were when any were not tests. */
export function formatRun(counts: RunCounts): string {
  const { passed, failedTests, notRun, failedHooks, failedFiles, unhandledErrors, skipped } =
    counts;
  const failed = failedTests + notRun + failedHooks + failedFiles + unhandledErrors;
  const parts = [
    [failedTests, 'failed test(s)'],
    [notRun, 'test(s) not run after a failed hook'],
    [failedHooks, 'failed hook(s)'],
    [failedFiles, 'file(s) that failed to load'],
    [unhandledErrors, 'unhandled error(s)'],
  ] as const;
  const detail =
    failed === failedTests
      ? ''
      : ` (${parts
          .filter(([count]) => count > 0)
          .map(([count, what]) => `${count} ${what}`)
          .join(', ')})`;
  return `Tests: ${passed} passed, ${failed} failed${detail}, ${skipped} skipped`;
}

/**
 * Prints one plain closing line, `Tests: N passed, N failed, N skipped`, after Vitest's own
 * summary, so that any tool reading the last line of a run can tell how it went. Failed hooks,
 * files that failed to load and unhandled errors count as failed (see {@link countRun}). With
 * coverage on, a line per package comes first: each measure, its threshold, and whether they hold.
 */
export default class SummaryReporter implements Reporter {
  #thresholds: Record<string, Thresholds | undefined> = {};
  #coverage: string[] = [];

  onInit(vitest: Vitest): void {
    const { thresholds } = vitest.config.coverage;
    this.#thresholds = (thresholds ?? {}) as Record<string, Thresholds | undefined>;
  }

  onCoverage(coverage: unknown): void {
    this.#coverage = formatCoverage(
      coverageByPackage(coverage as CoverageSource),
      this.#thresholds,
    );
  }

  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
  ): void {
    const lines = [...this.#coverage, formatRun(countRun(testModules, unhandledErrors))];
    process.stdout.write(`\n${lines.join('\n')}\n`);
  }
}
