import { openTestDatabase, type TestDatabase } from '@monque/test-support';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { describeChaos } from './scenarios/chaos.js';
import { describeClockSkew } from './scenarios/clock-skew.js';
import { describeCrashTakeover } from './scenarios/crash-takeover.js';
import { describeExactlyOnce } from './scenarios/exactly-once.js';
import { describeFaults } from './scenarios/faults.js';
import { describeFencing } from './scenarios/fencing.js';
import { describeFlowControl } from './scenarios/flow-control.js';
import { describeForeignDocuments } from './scenarios/foreign-documents.js';
import { describeListenerErrors } from './scenarios/listener-errors.js';
import { describeLostLease } from './scenarios/lost-lease.js';
import { describeOutage } from './scenarios/outage.js';
import { describePermanentWriteErrors } from './scenarios/permanent-write-errors.js';
import { describePoisonJob } from './scenarios/poison-job.js';
import { describeShutdown } from './scenarios/shutdown.js';
import { describeSoak } from './scenarios/soak.js';
import { describeStopDuringStart } from './scenarios/stop-during-start.js';
import { describeStrandedRounds } from './scenarios/stranded-rounds.js';
import { createContext } from './support/context.js';
import { printSummary, settleRow } from './support/summary.js';
import { assertBuilt } from './support/worker-process.js';

// The reliability scenarios run one after another in this file, so that their figures end up in
// one summary table (printed after the last one). See README.md for what each one proves.
describe('reliability', () => {
  let database: TestDatabase | undefined;
  const context = createContext(() => database);

  beforeAll(async () => {
    assertBuilt();
    database = await openTestDatabase('reliability');
  });
  afterEach(async (test) => {
    settleRow(test);
    await context.closeClients();
  });
  afterAll(async () => {
    printSummary();
    await database?.cleanup();
  });

  describeExactlyOnce(context);
  describeCrashTakeover(context);
  describeOutage(context);
  describeFaults(context);
  describeFencing(context);
  describeShutdown(context);
  describeSoak(context);
  describeForeignDocuments(context);
  describeListenerErrors(context);
  describeStopDuringStart(context);
  describeStrandedRounds(context);
  describePermanentWriteErrors(context);
  describePoisonJob(context);
  describeLostLease(context);
  describeClockSkew(context);
  describeChaos(context);
  describeFlowControl(context);
});
