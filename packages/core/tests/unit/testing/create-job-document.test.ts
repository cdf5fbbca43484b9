import { ObjectId } from 'mongodb';
import { describe, expect, it } from 'vitest';
import { parseJobDocument } from '../../../src/jobs/parse-job-document.js';
import { createJobDocument } from '../../../src/testing/create-job-document.js';

describe('createJobDocument', () => {
  it('builds a valid pending job with sensible defaults', () => {
    const doc = createJobDocument();
    expect(doc).toEqual({
      _id: expect.any(ObjectId),
      name: 'test-job',
      data: null,
      status: 'pending',
      nextRunAt: expect.any(Date),
      lockedAt: null,
      claimedBy: null,
      lastHeartbeat: null,
      heartbeatInterval: null,
      failCount: 0,
      failReason: null,
      repeatInterval: null,
      timezone: null,
      priority: 0,
      createdAt: doc.nextRunAt,
      updatedAt: doc.nextRunAt,
    });
    expect('uniqueKey' in doc).toBe(false);
    expect('scheduleKey' in doc).toBe(false);
    expect(parseJobDocument(doc).ok).toBe(true);
  });

  it('gives each document its own id', () => {
    expect(createJobDocument()._id.equals(createJobDocument()._id)).toBe(false);
  });

  it('applies overrides, including a unique key', () => {
    const doc = createJobDocument({ name: 'send-email', data: { to: 'a' }, uniqueKey: 'k' });
    expect(doc).toMatchObject({ name: 'send-email', data: { to: 'a' }, uniqueKey: 'k' });
  });

  it('leaves uniqueKey and scheduleKey out when they are overridden with undefined', () => {
    expect('uniqueKey' in createJobDocument({ uniqueKey: undefined })).toBe(false);
    // Stored as null, a key would enter its partial unique index.
    expect('scheduleKey' in createJobDocument({ scheduleKey: undefined })).toBe(false);
    expect(createJobDocument({ scheduleKey: 'k' }).scheduleKey).toBe('k');
  });
});
