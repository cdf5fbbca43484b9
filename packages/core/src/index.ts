export {
  ConnectionError,
  DatabaseError,
  InvalidArgumentError,
  InvalidCronError,
  JobCancelledError,
  JobOwnershipLostError,
  JobTimeoutError,
  ListenerError,
  MonqueError,
  type PayloadMeasure,
  PayloadTooLargeError,
  RoundTripTimeoutError,
  ShutdownTimeoutError,
  TakeoverLimitError,
  UnsupportedServerVersionError,
  WorkerRegistrationError,
  type WorkerRegistrationProblem,
} from './errors.js';
export type {
  ChangeStreamErrorEvent,
  ChangeStreamFallbackEvent,
  JobCancelledEvent,
  JobCompleteEvent,
  JobErrorEvent,
  JobFailEvent,
  MonqueEventMap,
  QueuePauseEvent,
  StaleRecoveredEvent,
} from './events.js';
export { controlCollectionName } from './flow/control-collection.js';
export { MAX_RATE_LIMIT, type RateLimit } from './flow/rate-limit.js';
export { MAX_GROUP_CONCURRENCY } from './flow/worker-flow.js';
export { JOB_INDEXES } from './indexes.js';
export type { Job, JobDocument, JobOf } from './jobs/job.js';
export { isJobStatus, JobStatus } from './jobs/job-status.js';
export {
  type ForeignDocumentProblem,
  type JobDocumentParseResult,
  parseJobDocument,
} from './jobs/parse-job-document.js';
export type { BulkActionOptions } from './management/bulk-filter.js';
export type { JobDataValue } from './management/data-path.js';
export type { FindJobsOptions, JobPage } from './management/find-jobs.js';
export type {
  InstanceStats,
  NameStats,
  QueueStats,
  QueueStatsOptions,
  StatusCounts,
} from './management/get-stats.js';
export type { BulkActionResult, JobActionResult } from './management/job-action-result.js';
export type { DateRange, JobFilter } from './management/job-filter.js';
export type { JobOrder } from './management/job-order.js';
export {
  type EnqueueManyJob,
  type EnqueueManyOptions,
  type EnqueueOptions,
  type EnqueueResult,
  Monque,
  type ScheduleOptions,
  type UnscheduleOptions,
} from './monque.js';
export {
  MAX_BSON_DOCUMENT_SIZE,
  type MonqueOptions,
  type ResolvedMonqueOptions,
  resolveMonqueOptions,
} from './options.js';
export { type CronSchedule, parseCron } from './scheduling/cron.js';
export { calculateBackoff, calculateBackoffDelay } from './utils/backoff.js';
export { MAX_PRIORITY, MIN_PRIORITY } from './validation/priority.js';
export type { JobContext, JobHandler, WorkerOptions } from './workers/worker-registry.js';
