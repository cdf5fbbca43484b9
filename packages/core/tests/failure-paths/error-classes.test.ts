import { describe, expect, it } from 'vitest';
import * as errors from '../../src/errors.js';
import { useSchedulerHarness } from '../setup/scheduler-harness.js';

/**
 * What a caller catches when the database refuses a write or an index: a permanent database
 * error is not a connection problem, and every message names the operation and the cause.
 */
describe('errors of the database are classified and named', () => {
  const harness = useSchedulerHarness('error_classes');

  it('a write rejected by a collection validator is a DatabaseError naming the cause', async () => {
    const collectionName = harness.collectionName();
    await harness.db.createCollection(collectionName, {
      validator: { name: { $in: ['allowed'] } },
    });
    const monque = harness.create({ collectionName });
    await monque.enqueue('allowed', null);

    const error = await monque.enqueue('refused', null).catch((caught: unknown) => caught);

    expect(error).toBeInstanceOf(errors.MonqueError);
    expect((error as Error).name).toBe('DatabaseError');
    expect(error).not.toBeInstanceOf(errors.ConnectionError);
    expect(error).toMatchObject({ code: 121 });
    expect((error as Error).message).toMatch(
      /^could not enqueue job "refused": Document failed validation.* \(code 121\)$/,
    );
  });

  it('an index that conflicts with Monque’s is a DatabaseError, not a ConnectionError', async () => {
    const collectionName = harness.collectionName();
    await harness.db.collection(collectionName).createIndex({ name: 1 }, { name: 'monque_claim' });
    const monque = harness.create({ collectionName });

    const error = await monque.initialize().catch((caught: unknown) => caught);

    expect((error as Error).name).toBe('DatabaseError');
    expect(error).not.toBeInstanceOf(errors.ConnectionError);
    expect([85, 86]).toContain((error as { code?: number }).code);
    expect((error as Error).message).toMatch(
      /^could not create the job indexes: .+ \((IndexOptionsConflict|IndexKeySpecsConflict)\)$/,
    );
  });
});
