// The free names of the documentation's code blocks (pages, READMEs and TSDoc examples): what
// the surrounding application would have, declared once so each block can stay as short as its
// page needs. Every block is compiled as its own module, so a block that declares one of these
// names itself uses its own. Checked by packages/docs/tests/code-blocks.test.ts.

/** The job names and payloads the examples use, for the `monque` below. */
type DocsJobs = {
  'send-email': { to: string; subject?: string };
  cleanup: null;
  'nightly-report': null;
  'weekly-report': null;
  report: { id: import('mongodb').ObjectId };
  invoice: { orderId: number };
  reminder: { userId: string };
  'sync-inventory': { full: boolean };
  digest: { region: string };
  resize: { id: number };
  'resize-image': { path: string };
  'video-encode': { path: string };
  import: unknown[];
  export: { table: string };
};

/** A connected driver client, its database, and a Monque instance on it. */
declare const client: import('mongodb').MongoClient;
declare const db: import('mongodb').Db;
declare const monque: import('@monque/core').Monque<DocsJobs>;
/** The `Monque` class, for fragments that only show a constructor call. */
declare const Monque: typeof import('@monque/core').Monque;
type Monque<JobMap extends Record<string, unknown> = Record<string, unknown>> =
  import('@monque/core').Monque<JobMap>;

/** The application's own services. */
declare const mailer: {
  send(to: string, ...rest: Array<string | { signal?: AbortSignal }>): Promise<void>;
};
declare const logger: {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
  error(fields: object, message: string): void;
};
declare const log: { warn(fields: object): void };
declare const metrics: {
  increment(name: string, value?: number | Record<string, unknown>): void;
  gauge(name: string, value: number): void;
  add(name: string, value: number): void;
};
declare const app: {
  get(
    path: string,
    handler: (request: unknown, response: { status(code: number): { end(): void } }) => void,
  ): void;
};
declare function alert(message: string): void;

/** Handlers and the work they call. */
declare function sendEmail(job: import('@monque/core').Job<{ to: string }>): Promise<void>;
declare function sendEmailV2(job: import('@monque/core').Job<{ to: string }>): Promise<void>;
declare function encode(job: import('@monque/core').Job<unknown>): Promise<void>;
declare function buildReport(): Promise<void>;
declare function deleteExpiredSessions(): Promise<void>;
declare function resizeImage(path: string, options: { signal: AbortSignal }): Promise<void>;
declare function resize(
  data: DocsJobs['resize'] | import('@monque/core').Job<unknown>,
  options?: { signal: AbortSignal },
): Promise<void>;
declare function exportRows(data: unknown, options: { signal: AbortSignal }): Promise<void>;

/** Values an example refers to. */
declare const job: import('@monque/core').Job<unknown>;
declare const jobId: import('mongodb').ObjectId;
declare const id: import('mongodb').ObjectId;
declare const userId: string;
declare const customerId: string;
declare const users: ReadonlyArray<{ email: string }>;
declare const hugeRows: unknown[];
declare const tomorrow: Date;
declare const runningJobs: ReadonlyArray<import('@monque/core').Job>;
declare const raw: unknown;
declare const error: unknown;
declare const driverError: Error;
declare const count: number;
/** The application's own collection beside the jobs, and one of its ids. */
declare const orders: import('mongodb').Collection<{ _id: number; total: number }>;
declare const orderId: number;

/** In examples of Monque's internals: the claim's time and the instance's settings. */
declare const now: Date;
declare const instanceId: string;
declare const lockTimeout: number;
declare const heartbeatInterval: number;
declare const freeSlots: number;
declare const runningJobIds: import('mongodb').ObjectId[];
declare const jobs: import('@monque/core/testing').JobsCollectionLike;
declare function onEvent(): void;
declare function poll(): void;
declare const delay: number;

/** A test's server (`startTestMongo()`) and the test framework's globals. */
declare const mongo: import('@monque/core/testing').TestMongo;
declare const beforeAll: typeof import('vitest').beforeAll;
declare const afterAll: typeof import('vitest').afterAll;
declare const afterEach: typeof import('vitest').afterEach;
declare const expect: typeof import('vitest').expect;
