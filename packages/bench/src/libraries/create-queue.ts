import { createAgendaQueue } from './agenda-queue.js';
import { createMonqueQueue } from './monque-queue.js';
import type { BenchQueue, LibraryName, QueueConfig } from './types.js';

/** A scheduler instance of `library` for a run. */
export async function createQueue(library: LibraryName, config: QueueConfig): Promise<BenchQueue> {
  return library === 'monque' ? createMonqueQueue(config) : createAgendaQueue(config);
}

/** The name shown in tables. */
export function libraryLabel(library: LibraryName): string {
  return library === 'monque' ? 'Monque' : 'Agenda';
}
