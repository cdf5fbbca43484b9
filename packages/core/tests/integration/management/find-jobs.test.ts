import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.js';
import type { JobDocument } from '../../../src/jobs/job.js';
import type { JobStatus } from '../../../src/jobs/job-status.js';
import type { JobFilter } from '../../../src/management/job-filter.js';
import { JOB_ORDERS, type JobOrder } from '../../../src/management/job-order.js';
import type { Monque } from '../../../src/monque.js';
import { createJobDocument } from '../../../src/testing/create-job-document.js';
import { useSchedulerHarness } from '../../setup/scheduler-harness.js';

const T0 = Date.UTC(2026, 0, 1);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const STATUSES: JobStatus[] = ['pending', 'processing', 'completed', 'failed'];
const REF = new ObjectId('65a1f0c2e4b0a1b2c3d4e5f6');

/** 40 jobs over 3 names and every status, with ties in each date field and varied data. */
function sampleJobs(): JobDocument[] {
  return Array.from({ length: 40 }, (_, i) =>
    createJobDocument({
      name: ['alpha', 'beta', 'gamma'][i % 3] as string,
      status: STATUSES[i % 4] as JobStatus,
      createdAt: at(Math.floor(i / 3)), // ties of three
      updatedAt: at(100 - Math.floor(i / 2)), // ties of two, reverse of creation
      nextRunAt: at((i * 7) % 11), // many ties, unrelated to creation
      repeatInterval: i % 5 === 0 ? '0 * * * *' : null,
      ...(i % 6 === 0 ? { uniqueKey: `key-${i}` } : {}),
      data: {
        customer: { id: i % 4, tier: i % 2 === 0 ? 'gold' : null },
        tags: i % 3 === 0 ? ['vip', 'new'] : ['new'],
        ref: i % 10 === 0 ? REF : new ObjectId(),
        due: i % 8 === 0 ? at(5) : at(6),
        flag: i % 2 === 0,
        note: i === 7 ? '$gt' : 'plain',
      },
    }),
  );
}

function sorted(jobs: readonly JobDocument[], order: JobOrder): string[] {
  const direction = order.startsWith('-') ? -1 : 1;
  const field = (order.startsWith('-') ? order.slice(1) : order) as 'createdAt';
  return [...jobs]
    .sort((a, b) => {
      const byField = a[field].getTime() - b[field].getTime();
      const byId = a._id.toHexString() < b._id.toHexString() ? -1 : 1;
      return direction * (byField !== 0 ? byField : byId);
    })
    .map((job) => job._id.toHexString());
}

/** Every job of a walk through all pages, in order, and the number of pages. */
async function walk(monque: Monque, filter: JobFilter, order: JobOrder | undefined, limit: number) {
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const page = await monque.findJobs(filter, { limit, cursor, ...(order ? { order } : {}) });
    pages += 1;
    expect(page.jobs.length).toBeLessThanOrEqual(limit);
    ids.push(...page.jobs.map((job) => job._id.toHexString()));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return { ids, pages };
}

describe('getJob and findJobs', () => {
  const harness = useSchedulerHarness('mgmt-find');

  async function seeded() {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const jobs = sampleJobs();
    await monque.collection.insertMany(jobs);
    return { monque, jobs };
  }

  it('getJob reads a job by ObjectId or hex string, and null for an unknown id (no start())', async () => {
    const { monque, jobs } = await seeded();
    const job = jobs[3] as JobDocument;
    expect(await monque.getJob(job._id)).toEqual(job);
    expect(await monque.getJob(job._id.toHexString().toUpperCase())).toEqual(job);
    expect(await monque.getJob(new ObjectId())).toBeNull();
  });

  it.each<JobOrder>(JOB_ORDERS)(
    'pages through every job in the total order %s, ties broken by _id',
    async (order) => {
      const { monque, jobs } = await seeded();
      const { ids, pages } = await walk(monque, {}, order, 7);
      expect(ids).toEqual(sorted(jobs, order));
      expect(pages).toBe(6);
    },
  );

  it('lists newest first by default, 50 to a page', async () => {
    const { monque, jobs } = await seeded();
    const more = Array.from({ length: 20 }, (_, i) => createJobDocument({ createdAt: at(50 + i) }));
    await monque.collection.insertMany(more);
    const first = await monque.findJobs();
    expect(first.jobs.map((job) => job._id.toHexString())).toEqual(
      sorted([...jobs, ...more], '-createdAt').slice(0, 50),
    );
    const second = await monque.findJobs(undefined, { cursor: first.nextCursor ?? undefined });
    expect(second.jobs).toHaveLength(10);
    expect(second.nextCursor).toBeNull();
  });

  it('ends with a null cursor when the last page is exactly full, and on an empty result', async () => {
    const { monque } = await seeded();
    const page = await monque.findJobs({ status: 'failed' }, { limit: 10 });
    expect(page.jobs).toHaveLength(10);
    expect(page.nextCursor).toBeNull();
    expect(await monque.findJobs({ name: 'nobody' })).toEqual({ jobs: [], nextCursor: null });
  });

  const filters: Array<[string, JobFilter, (job: JobDocument) => boolean]> = [
    ['one name', { name: 'beta' }, (job) => job.name === 'beta'],
    ['several names', { name: ['alpha', 'gamma'] }, (job) => job.name !== 'beta'],
    ['one status', { status: 'failed' }, (job) => job.status === 'failed'],
    [
      'several statuses',
      { status: ['pending', 'completed'] },
      (job) => ['pending', 'completed'].includes(job.status),
    ],
    [
      'a name and a status',
      { name: 'alpha', status: 'pending' },
      (job) => job.name === 'alpha' && job.status === 'pending',
    ],
    [
      'a createdAt range (from inclusive, to exclusive)',
      { createdAt: { from: at(3), to: at(7) } },
      (job) => job.createdAt >= at(3) && job.createdAt < at(7),
    ],
    ['an open updatedAt range', { updatedAt: { from: at(90) } }, (job) => job.updatedAt >= at(90)],
    ['an open nextRunAt range', { nextRunAt: { to: at(4) } }, (job) => job.nextRunAt < at(4)],
    ['a uniqueKey', { uniqueKey: 'key-6' }, (job) => job.uniqueKey === 'key-6'],
    ['recurring jobs', { recurring: true }, (job) => job.repeatInterval !== null],
    ['one-off jobs', { recurring: false }, (job) => job.repeatInterval === null],
    [
      'a nested data number',
      { data: { 'customer.id': 2 } },
      (job) => dataOf(job).customer.id === 2,
    ],
    [
      'a data null (also missing)',
      { data: { 'customer.tier': null } },
      (job) => dataOf(job).customer.tier === null,
    ],
    ['a data array element', { data: { tags: 'vip' } }, (job) => dataOf(job).tags.includes('vip')],
    ['a data ObjectId', { data: { ref: REF } }, (job) => dataOf(job).ref.equals(REF)],
    [
      'a data Date',
      { data: { due: at(5) } },
      (job) => dataOf(job).due.getTime() === at(5).getTime(),
    ],
    ['a data boolean', { data: { flag: false } }, (job) => dataOf(job).flag === false],
    [
      'a string that looks like an operator, compared as a string',
      { data: { note: '$gt' } },
      (job) => dataOf(job).note === '$gt',
    ],
    [
      'everything at once',
      {
        name: ['alpha', 'beta'],
        status: ['pending', 'failed', 'completed'],
        createdAt: { from: at(1) },
        recurring: false,
        data: { 'customer.id': 0, flag: true },
      },
      (job) =>
        job.name !== 'gamma' &&
        job.status !== 'processing' &&
        job.createdAt >= at(1) &&
        job.repeatInterval === null &&
        dataOf(job).customer.id === 0 &&
        dataOf(job).flag,
    ],
  ];

  it.each(filters)('filters by %s', async (_, filter, predicate) => {
    const { monque, jobs } = await seeded();
    const expected = sorted(jobs.filter(predicate), '-createdAt');
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(jobs.length);
    for (const order of ['-createdAt', 'nextRunAt', '-updatedAt'] as const) {
      const { ids } = await walk(monque, filter, order, 4);
      expect(ids).toEqual(sorted(jobs.filter(predicate), order));
    }
  });

  it('refuses a cursor made for another filter or order', async () => {
    const { monque } = await seeded();
    const { nextCursor } = await monque.findJobs({ status: 'pending' }, { limit: 2 });
    const cursor = nextCursor ?? '';
    const refused = async (filter: JobFilter, order?: JobOrder) => {
      const error = await monque.findJobs(filter, { cursor, ...(order ? { order } : {}) }).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(InvalidArgumentError);
      return (error as InvalidArgumentError).message;
    };
    expect(await refused({ status: 'failed' })).toMatch(/another filter/);
    expect(await refused({ status: 'pending', name: 'alpha' })).toMatch(/another filter/);
    expect(await refused({ status: 'pending' }, 'createdAt')).toMatch(/another order/);
    // The same filter written differently is the same filter.
    const next = await monque.findJobs({ status: ['pending', 'pending'] }, { limit: 2, cursor });
    expect(next.jobs).toHaveLength(2);
  });

  it('leaves out documents whose _id is not an ObjectId', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const job = createJobDocument({ createdAt: at(1) });
    const foreign = { ...createJobDocument({ createdAt: at(2) }), _id: 'imported-1' };
    await monque.collection.insertMany([job, foreign as unknown as JobDocument]);
    const page = await monque.findJobs({}, { limit: 1 });
    expect(page).toEqual({ jobs: [job], nextCursor: null });
  });

  it('leaves out documents without a Date in the order field', async () => {
    const monque = harness.create({ collectionName: harness.collectionName() });
    const job = createJobDocument({ createdAt: at(1) });
    const broken = { ...createJobDocument(), createdAt: 'yesterday' };
    await monque.collection.insertMany([job, broken as unknown as JobDocument]);
    const page = await monque.findJobs({}, { order: 'createdAt' });
    expect(page.jobs.map((found) => found._id)).toEqual([job._id]);
  });
});

interface SampleData {
  customer: { id: number; tier: string | null };
  tags: string[];
  ref: ObjectId;
  due: Date;
  flag: boolean;
  note: string;
}

function dataOf(job: JobDocument): SampleData {
  return job.data as SampleData;
}
