import { MongoClient } from 'mongodb';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { EMULATED_SERVER_VERSION } from '../../src/index.js';
import { MongoEmulator } from '../../src/server.js';
import { SpecReport } from './unified/report.js';
import { type ServerFacts, unmetRequirements } from './unified/requirements.js';
import { runSpecTest } from './unified/run-test.js';
import { deliberateSkip } from './unified/skips.js';
import { loadSpecFiles, locateSpecs } from './unified/spec-files.js';

/**
 * MongoDB's unified-format driver spec tests (CRUD, change streams, transactions and the
 * convenient transaction API), run through the official driver against the emulator. The data
 * lives beside the checkout (`../shared/mongo-spec/`) and is read at test time.
 */
const SPEC_SUITES = [
  'crud',
  'change-streams',
  'transactions',
  'transactions-convenient-api',
] as const;
const CASE_TIMEOUT_MS = 20_000;
const SERVER: ServerFacts = { version: EMULATED_SERVER_VERSION, topology: 'replicaset' };

const location = locateSpecs(new URL('../../../../', import.meta.url));

if (!location.found) {
  console.warn(`[spec runner] skipped: ${location.reason}`);
  describe('MongoDB unified spec tests', () => {
    // Skipped because the spec files are not beside the checkout; the reason is printed above.
    it.skip(`skipped: ${location.reason}`, () => {});
  });
} else {
  const files = loadSpecFiles(location.root, SPEC_SUITES);
  const report = new SpecReport();
  let emulator: MongoEmulator;
  let internalClient: MongoClient;

  beforeAll(async () => {
    emulator = await MongoEmulator.start({ port: 0, replicaSet: 'rs0' });
    internalClient = await new MongoClient(emulator.uri, {
      serverSelectionTimeoutMS: 5000,
    }).connect();
  });

  afterAll(async () => {
    console.info(`\nMongoDB unified spec tests against mongo-emulator\n${report.render()}`);
    await internalClient?.close();
    await emulator?.stop();
  });

  for (const file of files) {
    report.addFile(file.name);
    describe(file.name, () => {
      const fileSkip = unmetRequirements(file.content.runOnRequirements, SERVER);
      for (const test of file.content.tests) {
        const skip =
          fileSkip ??
          unmetRequirements(test.runOnRequirements, SERVER) ??
          deliberateSkip(file, test);
        if (skip !== undefined) {
          report.recordSkip(file.name, skip);
          // Skipped for the stated reason: the file's runOnRequirements, or a case the emulator or
          // the Node driver cannot run (views, $listLocalSessions, the driver rewriting _id: null).
          it.skip(`${test.description} (skipped: ${skip})`, () => {});
          continue;
        }
        it(
          test.description,
          async () => {
            let outcome: Awaited<ReturnType<typeof runSpecTest>>;
            try {
              outcome = await runSpecTest(emulator.uri, file, test, internalClient);
            } catch (error) {
              report.record(file.name, 'failed');
              throw error;
            }
            report.record(file.name, 'passed');
            report.recordDriverWtimeouts(outcome.driverWtimeoutsIgnored);
          },
          CASE_TIMEOUT_MS,
        );
      }
    });
  }
}
