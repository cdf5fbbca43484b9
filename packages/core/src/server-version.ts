import type { Db } from 'mongodb';
import { MonqueError, UnsupportedServerVersionError } from './errors.js';
import { describeValue } from './validation/describe-value.js';

/**
 * The oldest MongoDB version Monque supports: 6.0. The unique-key index is a partial index whose
 * `partialFilterExpression` uses `$in` (pending or processing), which MongoDB accepts from 6.0 on.
 */
export const MIN_SERVER_VERSION = { major: 6, minor: 0 } as const;

const REQUIRED = `${MIN_SERVER_VERSION.major}.${MIN_SERVER_VERSION.minor}`;

/** `major.minor` of a version string such as `'7.0.12'` or `'8.0.0-rc1'`, or undefined. */
function parseVersion(version: unknown): { major: number; minor: number } | undefined {
  const match = typeof version === 'string' ? /^(\d+)\.(\d+)/.exec(version) : null;
  return match === null ? undefined : { major: Number(match[1]), minor: Number(match[2]) };
}

/**
 * Asks the server its version (`buildInfo`) and refuses one older than
 * {@link MIN_SERVER_VERSION}.
 *
 * @throws UnsupportedServerVersionError naming the version found and the one required; a
 * MonqueError when `buildInfo` has no readable version; the driver's error when the command fails.
 */
export async function assertServerVersion(db: Db): Promise<void> {
  const { version } = await db.command({ buildInfo: 1 });
  const found = parseVersion(version);
  if (found === undefined) {
    throw new MonqueError(
      `could not read the MongoDB version: buildInfo answered version ${describeValue(version)}`,
    );
  }
  if (
    found.major < MIN_SERVER_VERSION.major ||
    (found.major === MIN_SERVER_VERSION.major && found.minor < MIN_SERVER_VERSION.minor)
  ) {
    throw new UnsupportedServerVersionError(String(version), REQUIRED);
  }
}
