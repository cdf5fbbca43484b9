import { describe, expect, it } from 'vitest';
import { isJobStatus, JobStatus } from '../../../src/jobs/job-status.js';

// isJobStatus guards every status read from the database (parseJobDocument): it must accept
// exactly the stored values of JobStatus, whatever they are, and nothing that merely resembles one.
describe('isJobStatus', () => {
  it.each(Object.values(JobStatus))('accepts the stored status %j', (status) => {
    expect(isJobStatus(status)).toBe(true);
  });

  it.each(Object.keys(JobStatus))('rejects the constant name %j (not a stored value)', (name) => {
    expect(isJobStatus(name)).toBe(false);
  });

  it.each([
    'queued',
    'PENDING',
    ' pending',
    '',
    'constructor',
    '__proto__',
    'toString',
    'hasOwnProperty',
    null,
    undefined,
    0,
    { $ne: null },
    ['pending'],
    Object('pending'),
  ])('rejects %j', (value) => {
    expect(isJobStatus(value)).toBe(false);
  });
});
