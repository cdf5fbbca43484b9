import { describe, expect, it } from 'vitest';
import { isJobStatus, JobStatus } from '../../../src/jobs/job-status.js';

describe('JobStatus', () => {
  it('has the five stored values', () => {
    expect(JobStatus).toEqual({
      Pending: 'pending',
      Processing: 'processing',
      Completed: 'completed',
      Failed: 'failed',
      Cancelled: 'cancelled',
    });
  });

  it.each(['pending', 'processing', 'completed', 'failed', 'cancelled'])(
    'isJobStatus accepts %s',
    (value) => {
      expect(isJobStatus(value)).toBe(true);
    },
  );

  it.each(['queued', 'PENDING', '', null, { $ne: null }])('isJobStatus rejects %j', (value) => {
    expect(isJobStatus(value)).toBe(false);
  });
});
