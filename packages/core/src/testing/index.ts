/**
 * Test helpers for applications that use Monque: a MongoDB for tests, waiting for jobs without
 * sleeps, and a job document factory.
 *
 * @example
 * ```ts
 * import { startTestMongo, waitForJob } from '@monque/core/testing';
 * ```
 */
export { cleanupTestDatabase } from './cleanup-test-database.js';
export { createJobDocument } from './create-job-document.js';
export type { JobsCollectionLike, MonqueLike, WaitEventName } from './monque-like.js';
export { startTestMongo, type TestMongo } from './start-test-mongo.js';
export { waitForIdle } from './wait-for-idle.js';
export { waitForJob } from './wait-for-job.js';
export { WaitTimeoutError } from './wait-timeout-error.js';
export { DEFAULT_CHECK_INTERVAL, DEFAULT_WAIT_TIMEOUT, type WaitOptions } from './wait-until.js';
