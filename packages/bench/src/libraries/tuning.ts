/** Agenda's `processEvery` for a standing queue (its default is 5 s). */
export const AGENDA_PROCESS_EVERY_MS = 100;

/** Agenda's per-name lock limit for a tested concurrency: enough to keep every slot busy. */
export function agendaLockLimit(concurrency: number): number {
  return Math.max(50, 10 * concurrency);
}

/** pg-boss's smallest `pollingIntervalSeconds`: its workers poll, there is no notification. */
export const PGBOSS_POLLING_INTERVAL_SECONDS = 0.5;
