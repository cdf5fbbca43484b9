import type { TestProject } from 'vitest/node';
import { SUBSTRATE_KEY } from './provided-substrate.js';
import { chooseSubstrate, describeChoice } from './substrate.js';

/**
 * Vitest global setup of the repository (root `vitest.config.ts`): chooses the substrate once
 * for the whole run, prints it and why as the run's first line, and hands the choice to every
 * test worker (`openTestDatabase` starts the server it names). Without it (a package's own
 * config) each worker chooses for itself and prints its choice.
 */
export default async function setup(project: TestProject): Promise<void> {
  const choice = await chooseSubstrate();
  console.info(`[test-support] ${describeChoice(choice)}`);
  project.provide(SUBSTRATE_KEY, choice);
}
