import { describe, expect, it } from 'vitest';
import rootConfig from '../../../vitest.config.ts';
import projects from '../../../vitest.workspace.ts';

describe('the repository layout', () => {
  it('keeps the Vitest projects in vitest.workspace.ts, which the root vitest.config.ts reads', () => {
    expect(projects).toEqual(['packages/*']);
    // The very list, not a copy: the file the layout names is the one that holds the projects.
    expect(rootConfig.test?.projects).toBe(projects);
  });
});
