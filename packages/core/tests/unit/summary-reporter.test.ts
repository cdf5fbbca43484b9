import { describe, expect, it } from 'vitest';
import { type CountedModule, countRun, formatRun } from '../../../../scripts/summary-reporter.js';

type State = 'passed' | 'failed' | 'skipped' | 'pending';

interface FakeEntity {
  type: 'module' | 'suite';
  parent?: FakeEntity;
  errors(): unknown[];
}

/** Vitest's reported tree, reduced to what the counting reads. */
function fakeModule(
  build: (tools: {
    suite(errors?: number): FakeEntity;
    test(parent: FakeEntity, state: State): void;
    module: FakeEntity;
  }) => void,
  moduleErrors = 0,
): CountedModule {
  const suites: FakeEntity[] = [];
  const tests: { parent: FakeEntity; result(): { state: State } }[] = [];
  const module: FakeEntity = { type: 'module', errors: () => Array(moduleErrors).fill({}) };
  build({
    module,
    suite(errors = 0) {
      const suite: FakeEntity = {
        type: 'suite',
        parent: module,
        errors: () => Array(errors).fill({}),
      };
      suites.push(suite);
      return suite;
    },
    test(parent, state) {
      tests.push({ parent, result: () => ({ state }) });
    },
  });
  return {
    errors: module.errors,
    children: { allTests: () => tests.values(), allSuites: () => suites.values() },
  } as unknown as CountedModule;
}

describe('the summary reporter', () => {
  it('counts passed, failed and skipped tests', () => {
    const module = fakeModule(({ module, test }) => {
      test(module, 'passed');
      test(module, 'passed');
      test(module, 'failed');
      test(module, 'skipped');
    });
    const counts = countRun([module], []);
    expect(formatRun(counts)).toBe('Tests: 2 passed, 1 failed, 1 skipped');
  });

  it('counts a failed hook, the tests it kept from running, and a file that failed to load', () => {
    const hooked = fakeModule(({ suite, test }) => {
      const broken = suite(1);
      test(broken, 'skipped');
      test(broken, 'skipped');
      test(suite(), 'skipped');
      test(suite(), 'passed');
    });
    const unloadable = fakeModule(() => {}, 1);
    const fileHook = fakeModule(({ module, test }) => test(module, 'skipped'), 1);
    const counts = countRun([hooked, unloadable, fileHook], [{ message: 'boom' } as never]);
    expect(counts).toEqual({
      passed: 1,
      failedTests: 0,
      notRun: 3,
      failedHooks: 2,
      failedFiles: 1,
      unhandledErrors: 1,
      skipped: 1,
    });
    expect(formatRun(counts)).toBe(
      'Tests: 1 passed, 7 failed (3 test(s) not run after a failed hook, 2 failed hook(s), ' +
        '1 file(s) that failed to load, 1 unhandled error(s)), 1 skipped',
    );
  });
});
