import type { Document } from 'bson';
import type { EntityMap, ObservedEvent } from './entities.js';
import { MatchError, type Matcher } from './matcher.js';
import { RunnerError } from './runner-error.js';

function summary(events: readonly ObservedEvent[]): string {
  return events.map((event) => `${event.type}:${event.commandName}`).join(', ') || 'none';
}

function matchEvent(
  expected: Document,
  actual: ObservedEvent,
  path: string,
  matcher: Matcher,
): void {
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
    matcher.match(fields.command, actual.command, { path: `${path}.command` });
  }
  if (fields.reply !== undefined && actual.type === 'commandSucceededEvent') {
    matcher.match(fields.reply, actual.reply, { path: `${path}.reply` });
  }
}

/** Checks `expectEvents` (command monitoring events) of each listed client. */
export function checkExpectedEvents(
  expectEvents: readonly Document[],
  entities: EntityMap,
  matcher: Matcher,
): void {
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
      matchEvent(event, actual[index] as ObservedEvent, `${path}.events[${index}]`, matcher);
    });
  }
}
