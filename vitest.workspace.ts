import type { TestProjectConfiguration } from 'vitest/config';

/**
 * The Vitest projects of the repository: one per package, each configured by the package's own
 * `vitest.config.ts` (`defineProject`). Vitest 4 reads projects only from the root
 * `vitest.config.ts` (`test.projects`), which imports this list.
 */
const projects: TestProjectConfiguration[] = ['packages/*'];

export default projects;
