export {
  ConnectionError,
  DatabaseError,
  InvalidArgumentError,
  InvalidCronError,
  JobCancelledError,
  JobOwnershipLostError,
  JobResultError,
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
  BulkAction,
  BulkActionEvent,
  ChangeStreamErrorEvent,
  ChangeStreamFallbackEvent,
  JobCancelledEvent,
  JobCompleteEvent,
  JobDeletedEvent,
  JobErrorEvent,
  JobFailEvent,
  JobProgressEvent,
  JobRescheduledEvent,
  JobRetriedEvent,
  MonqueEventMap,
  QueuePauseEvent,
  StaleRecoveredEvent,
} from './events.js';
export { controlCollectionName } from './flow/control-collection.js';
export { MAX_RATE_LIMIT, type RateLimit } from './flow/rate-limit.js';
export { MAX_GROUP_CONCURRENCY } from './flow/worker-flow.js';
export { JOB_INDEXES } from './indexes.js';
export type { Job, JobDocument, JobOf } from './jobs/job.js';
export {
  type AttemptOutcome,
  type JobAttempt,
  type JobFailure,
  MAX_ATTEMPT_HISTORY,
  MAX_ATTEMPT_REASON_LENGTH,
} from './jobs/job-history.js';
export { type JobProgress, MAX_PROGRESS_SIZE } from './jobs/job-progress.js';
export { isJobStatus, JobStatus } from './jobs/job-status.js';
export {
  type ForeignDocumentProblem,
  type JobDocumentParseResult,
  parseJobDocument,
} from './jobs/parse-job-document.js';
export type { JobDataValue } from './management/data-path.js';
export type { FindJobsOptions, JobPage } from './management/find-jobs.js';
export type {
  InstanceStats,
  NameStats,
  QueueStats,
  QueueStatsOptions,
  StatusCounts,
} from './management/get-stats.js';
export type {
  BulkActionOptions,
  BulkActionResult,
  JobActionResult,
} from './management/job-action.js';
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
export { DEFAULT_RETENTION, type RetentionOptions } from './processing/retention.js';
export type { SessionOptions } from './runtime/session-option.js';
export { type CronSchedule, parseCron } from './scheduling/cron.js';
export { calculateBackoff, calculateBackoffDelay } from './utils/backoff.js';
export { MAX_PRIORITY, MIN_PRIORITY } from './validation/priority.js';
export type { JobContext, JobHandler, WorkerOptions } from './workers/worker-registry.js';
