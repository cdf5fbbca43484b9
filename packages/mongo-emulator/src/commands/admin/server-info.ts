import { Long, ObjectId } from 'bson';

/** Version of the MongoDB server the emulator reports itself as. */
export const EMULATED_SERVER_VERSION = '7.0.0';

/** The git version `buildInfo` and `explain` report (the emulator has no MongoDB build). */
export const GIT_VERSION = '0000000000000000000000000000000000000000';

/** Feature compatibility version matching {@link EMULATED_SERVER_VERSION}. */
export const FEATURE_COMPATIBILITY_VERSION = '7.0';

/** Wire versions the server reports: 0 up to 21 (MongoDB 7.0). */
export const MIN_WIRE_VERSION = 0;
export const MAX_WIRE_VERSION = 21;

/** Largest number of write statements in one write command. */
export const MAX_WRITE_BATCH_SIZE = 100_000;

/** Minutes before an idle logical session expires, as `hello` reports it. */
export const LOGICAL_SESSION_TIMEOUT_MINUTES = 30;

/** The election id of the emulated primary: constant, so a restart never looks like a stale primary. */
export const ELECTION_ID = new ObjectId('7fffffff0000000000000001');

/** The replica set config version of the emulated set. */
export const SET_VERSION = 1;

/** The replica set term of the emulated primary. */
export const TERM = Long.fromNumber(1);

/** `[major, minor, patch, 0]` of the reported server version. */
export function versionArray(): number[] {
  const parts = EMULATED_SERVER_VERSION.split('.').map((part) => Number.parseInt(part, 10));
  return [parts[0] ?? 0, parts[1] ?? 0, parts[2] ?? 0, 0];
}
