import { afterEach, describe, expect, it } from 'vitest';
import { JobOwnershipLostError } from '../../../src/errors.js';
import type { JobErrorEvent } from '../../../src/events.js';
import type { Job } from '../../../src/jobs/job.js';
import { Monque } from '../../../src/monque.js';
import { withFrozenHeartbeats } from '../../integration/support/frozen-heartbeats.js';
import type { ReliabilityContext } from '../support/context.js';
import { checkScenario } from '../support/summary.js';
import { type Gate, gate, waitForCondition } from '../support/wait.js';

type Outcome = 'complete' | 'fail' | 'reschedule';

/**
 * Scenario 5: a zombie — an instance whose claim was taken over while its handler still ran —
 * must not be able to complete, fail or reschedule the job: its fenced write matches nothing and
 * it reports JobOwnershipLostError through job:error.
 */
export function describeFencing(context: ReliabilityContext): void {
  describe('5. zombie fencing', () => {
    const instances: Monque[] = [];
    const gates: Gate[] = [];

    let thaw = new AbortController();

    afterEach(async () => {
      for (const open of gates.splice(0)) open.open();
      // The zombie's frozen heartbeat returns, so that stopping it need not wait for it.
      thaw.abort();
      thaw = new AbortController();
      await Promise.all(instances.splice(0).map((monque) => monque.stop()));
    });

    for (const outcome of ['complete', 'fail', 'reschedule'] as const satisfies Outcome[]) {
      it(`a taken-over worker cannot ${outcome} the job`, async (test) => {
        const collectionName = context.collectionName('fencing');
        // The zombie's heartbeats never arrive (as in a long pause or a partition); with the same
        // settings as the rescuer, its claim is stale for the rescuer after 1 s. (A zombie with a
        // longer heartbeatInterval is not taken over sooner than 2 × that interval.)
        const zombie = new Monque(withFrozenHeartbeats(await context.separateDb(), thaw.signal), {
          collectionName,
          schedulerInstanceId: 'zombie',
          heartbeatInterval: 200,
          lockTimeout: 1000,
          recoverStaleJobs: false,
          pollInterval: 50,
          defaultConcurrency: 1,
          baseRetryInterval: 10,
        });
        const rescuer = new Monque(await context.separateDb(), {
          collectionName,
          schedulerInstanceId: 'rescuer',
          heartbeatInterval: 200,
          lockTimeout: 1000,
          pollInterval: 50,
          defaultConcurrency: 1,
        });
        instances.push(zombie, rescuer);
        const zombieGate = gate();
        const rescuerGate = gate();
        gates.push(zombieGate, rescuerGate);
        const zombieStarted: Job[] = [];
        const rescuerStarted: Job[] = [];
        zombie.worker('work', async (job) => {
          zombieStarted.push(job);
          await zombieGate.promise;
          if (outcome === 'fail') throw new Error('the zombie fails the job');
        });
        rescuer.worker('work', async (job) => {
          rescuerStarted.push(job);
          await rescuerGate.promise;
        });
        const zombieErrors: JobErrorEvent[] = [];
        zombie.on('job:error', (event) => zombieErrors.push(event));
        const zombieOutcomes: string[] = [];
        zombie.on('job:complete', () => zombieOutcomes.push('complete'));
        zombie.on('job:fail', () => zombieOutcomes.push('fail'));

        await zombie.start();
        const job =
          outcome === 'reschedule'
            ? await zombie.schedule('* * * * * *', 'work', { n: 1 })
            : (await zombie.enqueue('work', { n: 1 })).job;
        await waitForCondition('the zombie to start the job', () => zombieStarted.length === 1, {
          timeout: 5000,
        });
        await rescuer.start();
        const takenOverAt = Date.now();
        await waitForCondition(
          'the rescuer to take the job over',
          () => rescuerStarted.length > 0,
          {
            timeout: 5000,
          },
        );
        const takeover = Date.now() - takenOverAt;
        // The rescuer's heartbeats keep changing lastHeartbeat meanwhile (the more so on a busy
        // machine): a zombie's write is any change to the other fields.
        const claimFields = async () => {
          const doc = await rescuer.collection.findOne({ _id: job._id });
          if (doc === null) return null;
          const { lastHeartbeat: _heartbeat, ...fields } = doc;
          return fields;
        };
        const before = await claimFields();
        expect(before).toMatchObject({ status: 'processing', claimedBy: 'rescuer', failCount: 0 });

        zombieGate.open();
        await waitForCondition('the zombie to settle', () => zombie.inFlightCount === 0, {
          timeout: 5000,
        });
        const after = await claimFields();
        const zombieLanded = JSON.stringify(after) !== JSON.stringify(before);

        // The rescuer, the owner, still decides the job's fate.
        rescuerGate.open();
        const final = await waitForCondition(
          "the rescuer's outcome",
          async () => {
            const doc = await rescuer.collection.findOne({ _id: job._id });
            return doc !== null && doc.status !== 'processing' ? doc : undefined;
          },
          { timeout: 5000 },
        );
        const [lost] = zombieErrors;
        await checkScenario(
          test,
          `5 zombie cannot ${outcome}`,
          {
            jobs: 1,
            // An outcome written by the zombie would be a second outcome of the job.
            duplicates: (zombieLanded ? 1 : 0) + zombieOutcomes.length,
            lost: final.status === 'processing' ? 1 : 0,
            recovery: `taken over ${takeover} ms after the rescuer started`,
            notes: `zombie write landed: ${zombieLanded}; rescuer's outcome: ${final.status}`,
          },
          () => {
            expect(after).toEqual(before);
            expect(zombieOutcomes).toEqual([]);
            expect(zombieErrors).toHaveLength(1);
            expect(lost?.error).toBeInstanceOf(JobOwnershipLostError);
            expect(lost?.error).toMatchObject({ jobId: job._id.toHexString() });
            expect(lost?.job?._id.toHexString()).toBe(job._id.toHexString());
            expect(final.status).toBe(outcome === 'reschedule' ? 'pending' : 'completed');
            expect(final.failCount).toBe(0);
          },
        );
      }, 30_000);
    }
  });
}
