import type { Document } from 'bson';
import { numericValue } from './commands/admin/numbers.js';
import { badValue, CommandError, ErrorCode, notSupported } from './errors.js';

/** The fail points the emulator implements (a subset of mongod's, with `enableTestCommands`). */
export const FAIL_POINT_NAMES = ['failCommand', 'failGetMoreAfterCursorCheckout'] as const;

/** A fail point name the emulator implements. */
export type FailPointName = (typeof FAIL_POINT_NAMES)[number];

/** How often an enabled fail point fires. */
export type FailPointMode =
  | { kind: 'off' }
  | { kind: 'alwaysOn' }
  | { kind: 'times'; remaining: number }
  | { kind: 'skip'; remaining: number };

/** `data` of `failCommand` (and the subset `failGetMoreAfterCursorCheckout` reads). */
export interface FailCommandData {
  failCommands: string[];
  errorCode?: number;
  /** Present (even empty) means: these labels exactly, none added by the server. */
  errorLabels?: string[];
  closeConnection: boolean;
  blockConnection: boolean;
  blockTimeMS: number;
  writeConcernError?: Document;
  appName?: string;
  namespace?: string;
}

/** What a fired fail point asks the dispatcher to do. */
export interface FailPointAction {
  data: FailCommandData;
}

interface FailPointState {
  mode: FailPointMode;
  data: FailCommandData;
  /** Times the fail point fired since it was last configured. */
  timesEntered: number;
}

/** The facts a fail point filters commands on. */
export interface FailPointTarget {
  commandName: string;
  /** Other names of the same command (e.g. `hello` for `isMaster`). */
  aliases?: readonly string[];
  appName: string | undefined;
  /** `db.collection` of the command, when it has one. */
  namespace?: string;
}

/**
 * The server's fail points, configured with `configureFailPoint` (mongod's test-only command).
 * Kept per server start: a restart clears them, like a restarted mongod.
 */
export class FailPointRegistry {
  private readonly points = new Map<FailPointName, FailPointState>();

  /**
   * Applies a `configureFailPoint` command; returns the reply (`count`: how many times the fail
   * point fired under its previous configuration).
   * @throws CommandError for an unknown fail point or invalid mode/data.
   */
  configure(command: Document): Document {
    const name: unknown = command.configureFailPoint;
    if (typeof name !== 'string') {
      throw new CommandError(ErrorCode.TypeMismatch, "'configureFailPoint' must be a string");
    }
    if (!isFailPointName(name)) throw notSupported(`fail point '${name}'`);
    const mode = parseMode(command.mode);
    const previous = this.points.get(name);
    if (mode.kind === 'off') this.points.delete(name);
    else this.points.set(name, { mode, data: parseData(command.data, name), timesEntered: 0 });
    return { count: previous?.timesEntered ?? 0 };
  }

  /** Removes every fail point. */
  clear(): void {
    this.points.clear();
  }

  /**
   * Returns the action of fail point `name` when it is enabled and matches `target`, counting the
   * activation (a `times` fail point turns itself off after its last one).
   */
  evaluate(name: FailPointName, target: FailPointTarget): FailPointAction | undefined {
    const state = this.points.get(name);
    if (state === undefined || !matches(state.data, target)) return undefined;
    const mode = state.mode;
    if (mode.kind === 'skip' && mode.remaining > 0) {
      mode.remaining -= 1;
      return undefined;
    }
    if (mode.kind === 'times') {
      // Spent: off, but keeps its count for the next configureFailPoint reply, as mongod does.
      if (mode.remaining <= 0) return undefined;
      mode.remaining -= 1;
    }
    state.timesEntered += 1;
    return { data: state.data };
  }
}

function isFailPointName(name: string): name is FailPointName {
  return (FAIL_POINT_NAMES as readonly string[]).includes(name);
}

function matches(data: FailCommandData, target: FailPointTarget): boolean {
  // mongod never fails configureFailPoint itself, whatever failCommands lists.
  if (target.commandName === 'configureFailPoint') return false;
  if (data.appName !== undefined && data.appName !== target.appName) return false;
  if (data.namespace !== undefined && data.namespace !== target.namespace) return false;
  const names = [target.commandName, ...(target.aliases ?? [])];
  return names.some((name) => data.failCommands.includes(name));
}

function parseMode(mode: unknown): FailPointMode {
  if (mode === 'off') return { kind: 'off' };
  if (mode === 'alwaysOn') return { kind: 'alwaysOn' };
  if (mode !== null && typeof mode === 'object') {
    const entries = Object.entries(mode as Document);
    const [key, value] = entries[0] ?? [];
    const count = toNumber(value);
    if (entries.length === 1 && count !== undefined && Number.isInteger(count)) {
      if (count < 0) throw badValue(`mode.${key} must be non-negative`);
      if (key === 'times')
        return count === 0 ? { kind: 'off' } : { kind: 'times', remaining: count };
      if (key === 'skip') return { kind: 'skip', remaining: count };
      if (key === 'activationProbability')
        throw notSupported('fail point mode activationProbability');
    }
  }
  throw badValue(
    "'mode' must be one of 'off', 'alwaysOn', {times: n}, {skip: n} or {activationProbability: p}",
  );
}

function parseData(data: unknown, name: FailPointName): FailCommandData {
  const doc: Document = data !== null && typeof data === 'object' ? (data as Document) : {};
  const failCommands = doc.failCommands;
  const listed =
    Array.isArray(failCommands) && failCommands.every((c): c is string => typeof c === 'string');
  if (name === 'failCommand' && !listed) {
    throw badValue("'data.failCommands' must be an array of command names");
  }
  const parsed: FailCommandData = {
    failCommands: listed ? failCommands : ['getMore'],
    closeConnection: doc.closeConnection === true,
    blockConnection: doc.blockConnection === true,
    blockTimeMS: toNumber(doc.blockTimeMS) ?? 0,
  };
  const errorCode = toNumber(doc.errorCode);
  if (errorCode !== undefined) parsed.errorCode = errorCode;
  if (Array.isArray(doc.errorLabels)) {
    parsed.errorLabels = doc.errorLabels.filter((l): l is string => typeof l === 'string');
  }
  if (doc.writeConcernError !== null && typeof doc.writeConcernError === 'object') {
    parsed.writeConcernError = doc.writeConcernError as Document;
  }
  if (typeof doc.appName === 'string') parsed.appName = doc.appName;
  if (typeof doc.namespace === 'string') parsed.namespace = doc.namespace;
  if (parsed.blockConnection && toNumber(doc.blockTimeMS) === undefined) {
    throw badValue("'blockTimeMS' is required when 'blockConnection' is true");
  }
  return parsed;
}

function toNumber(value: unknown): number | undefined {
  return numericValue(value);
}
