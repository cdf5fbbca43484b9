/**
 * Test helpers for applications that use Monque. The helpers arrive with the scheduler; until then
 * this entry only reports that it exists.
 *
 * @example
 * ```ts
 * import { TESTING_HELPERS_VERSION } from '@monque/core/testing';
 * ```
 */
export const TESTING_HELPERS_VERSION = 0;
