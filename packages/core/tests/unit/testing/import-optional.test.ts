import { describe, expect, it } from 'vitest';
import { importOptional } from '../../../src/testing/import-optional.js';

describe('importOptional', () => {
  it('imports an installed module', async () => {
    const path = (await importOptional('node:path')) as typeof import('node:path');
    expect(path.join('a', 'b')).toBe('a/b');
  });

  it('rejects when the package is not installed', async () => {
    await expect(importOptional('monque-package-that-does-not-exist')).rejects.toThrow(
      /monque-package-that-does-not-exist/,
    );
  });
});
