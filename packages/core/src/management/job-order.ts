import { InvalidArgumentError } from '../errors.js';
import type { JobDateField } from './job-filter.js';

/**
 * The order of {@link Monque.findJobs}: a date field, ascending, or descending with a leading
 * `-`. Jobs with equal values are ordered by `_id` in the same direction, so the order is total
 * and pages never overlap.
 *
 * @example
 * ```ts
 * const order: JobOrder = '-updatedAt'; // most recently changed first
 * await monque.findJobs({ status: 'failed' }, { order });
 * ```
 */
export type JobOrder =
  | 'nextRunAt'
  | '-nextRunAt'
  | 'createdAt'
  | '-createdAt'
  | 'updatedAt'
  | '-updatedAt';

/** A {@link JobOrder} taken apart. */
export interface SortOrder {
  readonly order: JobOrder;
  readonly field: JobDateField;
  /** 1 ascending, -1 descending. */
  readonly direction: 1 | -1;
}

/** The order of `findJobs` when none is given: newest first. */
export const DEFAULT_JOB_ORDER: JobOrder = '-createdAt';

/** Every {@link JobOrder}. */
export const JOB_ORDERS: readonly JobOrder[] = [
  'nextRunAt',
  '-nextRunAt',
  'createdAt',
  '-createdAt',
  'updatedAt',
  '-updatedAt',
];

/** Whether a value is one of the {@link JobOrder} strings. */
export function isJobOrder(value: unknown): value is JobOrder {
  return (JOB_ORDERS as readonly unknown[]).includes(value);
}

/**
 * Checks an order and takes it apart.
 *
 * @param order - The order as given; `undefined` means {@link DEFAULT_JOB_ORDER}.
 * @param argument - The argument name for the error; defaults to `'options.order'`.
 * @throws InvalidArgumentError for anything but a {@link JobOrder}.
 */
export function readJobOrder(order: unknown, argument = 'options.order'): SortOrder {
  const value = order ?? DEFAULT_JOB_ORDER;
  if (!isJobOrder(value)) {
    throw new InvalidArgumentError(argument, `must be one of ${JOB_ORDERS.join(', ')}`, order);
  }
  const descending = value.startsWith('-');
  return {
    order: value,
    field: (descending ? value.slice(1) : value) as JobDateField,
    direction: descending ? -1 : 1,
  };
}
