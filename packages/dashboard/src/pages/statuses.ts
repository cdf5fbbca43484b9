import { JobStatus, type StatusCounts } from '@monque/core';

/** Every job status Monque knows, in its life-cycle order. */
export const STATUSES: readonly JobStatus[] = Object.values(JobStatus);

/** The statuses to show as columns: Monque's, then any other the counts carry. */
export function statusColumns(counts: StatusCounts): readonly string[] {
  const extra = Object.keys(counts).filter(
    (status) => !(STATUSES as readonly string[]).includes(status),
  );
  return [...STATUSES, ...extra.sort()];
}

/** The count of one status (0 when the counts do not mention it). */
export function countOf(counts: StatusCounts, status: string): number {
  const value: unknown = Object.hasOwn(counts, status)
    ? (counts as Record<string, unknown>)[status]
    : 0;
  return typeof value === 'number' ? value : 0;
}
