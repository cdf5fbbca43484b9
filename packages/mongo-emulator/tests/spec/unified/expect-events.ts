import type { Document } from 'bson';
import type { EntityMap, ObservedEvent } from './entities.js';
import { MatchError, type Matcher } from './matcher.js';
import { RunnerError } from './runner-error.js';

function summary(events: readonly ObservedEvent[]): string {
  return events.map((event) => `${event.type}:${event.commandName}`).join(', ') || 'none';
}

/** The `wtimeout` the Node driver adds to commit and abort write concerns (sessions.js). */
const DRIVER_COMMIT_WTIMEOUT = 10_000;

/**
 * The Node driver 7 sends `wtimeout: 10000` in the write concern of every `commitTransaction` and
 * `abortTransaction` it sends without `timeoutMS`; the transactions spec expects that field only
 * on a commit retry. When the expected command's write concern lacks the field and the driver
 * added exactly that value, the command is matched without it (the server never sees a
 * difference: one member acknowledges at once). Returns the command to match, and whether it was
 * adjusted.
 */
function withoutDriverWtimeout(
  expected: Document,
  actual: Document,
): { command: Document; adjusted: boolean } {
  const isEnd = actual.commitTransaction !== undefined || actual.abortTransaction !== undefined;
  const sent = actual.writeConcern as Document | undefined;
  const wanted = expected.writeConcern as Document | undefined;
  if (
    !isEnd ||
    sent === undefined ||
    Number(sent.wtimeout) !== DRIVER_COMMIT_WTIMEOUT ||
    wanted === null ||
    typeof wanted !== 'object' ||
    Object.keys(wanted).some((key) => key === 'wtimeout' || key.startsWith('$$'))
  ) {
    return { command: actual, adjusted: false };
  }
  const { wtimeout: _driverAdded, ...writeConcern } = sent;
  return { command: { ...actual, writeConcern }, adjusted: true };
}

/** Matches one event; returns whether the driver's commit `wtimeout` was left out. */
function matchEvent(
  expected: Document,
  actual: ObservedEvent,
  path: string,
  matcher: Matcher,
): boolean {
  let adjusted = false;
  const [type, fields] = Object.entries(expected)[0] as [string, Document];
  if (type !== actual.type)
    throw new MatchError(path, `expected ${type}, got ${actual.type}:${actual.commandName}`);
  if (fields.commandName !== undefined && fields.commandName !== actual.commandName) {
    throw new MatchError(
      `${path}.commandName`,
      `expected ${fields.commandName}, got ${actual.commandName}`,
    );
  }
  if (fields.databaseName !== undefined && fields.databaseName !== actual.databaseName) {
    throw new MatchError(
      `${path}.databaseName`,
      `expected ${fields.databaseName}, got ${actual.databaseName}`,
    );
  }
  if (fields.command !== undefined && actual.type === 'commandStartedEvent') {
    const sent = withoutDriverWtimeout(fields.command as Document, actual.command);
    adjusted = sent.adjusted;
    matcher.match(fields.command, sent.command, { path: `${path}.command` });
  }
  if (fields.reply !== undefined && actual.type === 'commandSucceededEvent') {
    matcher.match(fields.reply, actual.reply, { path: `${path}.reply` });
  }
  return adjusted;
}

/**
 * Checks `expectEvents` (command monitoring events) of each listed client. Returns how many
 * commit/abort commands matched without the `wtimeout` the driver adds.
 */
export function checkExpectedEvents(
  expectEvents: readonly Document[],
  entities: EntityMap,
  matcher: Matcher,
): number {
  let adjusted = 0;
  for (const [listIndex, list] of expectEvents.entries()) {
    const eventType = (list.eventType as string | undefined) ?? 'command';
    if (eventType !== 'command')
      throw new RunnerError(`the runner does not implement ${eventType} events`);
    const actual = entities.client(String(list.client)).events;
    const expected = list.events as Document[];
    const path = `expectEvents[${listIndex}]`;
    const countMatches =
      list.ignoreExtraEvents === true
        ? actual.length >= expected.length
        : actual.length === expected.length;
    if (!countMatches) {
      throw new MatchError(
        path,
        `expected ${expected.length} events, got ${actual.length} (${summary(actual)})`,
      );
    }
    expected.forEach((event, index) => {
      const path_ = `${path}.events[${index}]`;
      if (matchEvent(event, actual[index] as ObservedEvent, path_, matcher)) adjusted += 1;
    });
  }
  return adjusted;
}
