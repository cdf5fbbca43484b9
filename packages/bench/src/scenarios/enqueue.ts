import type { EnqueueSpec, RunSpec } from '../children/ipc.js';
import type { RunRecord } from '../harness/worker-handle.js';
import { JOB_NAME, type LibraryName, libraryLabel } from '../libraries/types.js';
import { progress } from '../progress.js';
import { orderFor, type ScenarioContext } from './context.js';

export interface EnqueueResult {
  readonly oneByOne: readonly RunRecord[];
  readonly bulk: readonly RunRecord[];
  readonly bulkSize: number;
  /** Libraries without a bulk API, and what they offer instead. */
  readonly noBulk: Readonly<Partial<Record<LibraryName, string>>>;
}

const NO_BULK: Readonly<Partial<Record<LibraryName, string>>> = {
  agenda: 'Agenda 6 has no bulk insert (only now() / create().save() one by one)',
};

function specFor(context: ScenarioContext, workload: EnqueueSpec): RunSpec {
  return {
    runId: context.nextRunId(),
    names: [JOB_NAME],
    concurrency: 1,
    mode: 'throughput',
    workload,
    profile: false,
  };
}

/** Enqueue: jobs added one by one through the public API, and in bulk where there is an API. */
export async function runEnqueue(context: ScenarioContext): Promise<EnqueueResult> {
  const { oneByOne, bulk, bulkSize } = context.settings.enqueue;
  const one: RunRecord[] = [];
  const many: RunRecord[] = [];
  // Warm-up: connections, JIT (not counted).
  for (const worker of context.workers) {
    await worker.run(
      specFor(context, { kind: 'enqueue', method: 'one-by-one', jobs: 50, bulkSize }),
      -1,
      0,
    );
  }
  for (let repetition = 0; repetition < context.settings.repetitions; repetition += 1) {
    for (const [position, worker] of orderFor(context.workers, repetition).entries()) {
      const run = await worker.run(
        specFor(context, { kind: 'enqueue', method: 'one-by-one', jobs: oneByOne, bulkSize }),
        repetition,
        position,
      );
      one.push(run);
      if (NO_BULK[worker.library] === undefined) {
        many.push(
          await worker.run(
            specFor(context, { kind: 'enqueue', method: 'bulk', jobs: bulk, bulkSize }),
            repetition,
            position,
          ),
        );
      }
      progress('enqueue', `#${repetition + 1} ${libraryLabel(worker.library)} done`);
    }
  }
  return { oneByOne: one, bulk: many, bulkSize, noBulk: NO_BULK };
}
