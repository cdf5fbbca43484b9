import type { SubstrateChoice } from './substrate.js';

/** The key under which the global setup hands the run's substrate to the test workers. */
export const SUBSTRATE_KEY = '@monque/test-support/substrate';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The substrate the run's integration tests use, chosen once by the global setup. */
    '@monque/test-support/substrate': SubstrateChoice;
  }
}
