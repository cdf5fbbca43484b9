import { ListenerError } from '../errors.js';

/** The shortest time between two process warnings of the same kind, in milliseconds: 1 minute. */
export const WARNING_INTERVAL = 60_000;

/** What Node's `process.emitWarning` is called with. */
export type EmitWarning = (
  message: string,
  options: { type: string; code: string; detail: string },
) => void;

/** The `code` of Monque's process warnings. */
export const UNHEARD_ERROR_WARNING = 'MONQUE_UNHEARD_ERROR';

/**
 * The kind of an error, for rate limiting: its class, the event of a listener error, and the
 * class and server code of its cause — not its message, which names jobs and times, so that an
 * outage (one kind, thousands of messages) is one warning a minute.
 */
function kindOf(error: Error): string {
  const cause = error.cause;
  const causeClass = cause instanceof Error ? cause.name : typeof cause;
  const code = (cause as { code?: unknown } | undefined)?.code ?? '';
  const event = error instanceof ListenerError ? error.event : '';
  return [error.name, event, causeClass, String(code)].join('|');
}

/**
 * Errors that no listener heard, turned into process warnings (`process.emitWarning`, printed by
 * Node to stderr): the first of each kind at once, later ones of that kind at most once per
 * {@link WARNING_INTERVAL}, with how many were not shown in between. No timer is kept.
 */
export class UnheardWarnings {
  readonly #emitWarning: EmitWarning;
  readonly #lastShown = new Map<string, { at: number; hidden: number }>();

  constructor(
    emitWarning: EmitWarning = (message, options) => process.emitWarning(message, options),
  ) {
    this.#emitWarning = emitWarning;
  }

  /** Warns about `error`, unless one of its kind was shown less than a minute ago. */
  warn(error: Error): void {
    const kind = kindOf(error);
    const now = Date.now();
    const last = this.#lastShown.get(kind);
    if (last !== undefined && now - last.at < WARNING_INTERVAL) {
      last.hidden += 1;
      return;
    }
    const hidden =
      last !== undefined && last.hidden > 0
        ? ` (${last.hidden} more like it since ${new Date(last.at).toISOString()} were not shown)`
        : '';
    this.#lastShown.set(kind, { at: now, hidden: 0 });
    this.#emitWarning(`${error.message}${hidden}`, {
      type: error.name,
      code: UNHEARD_ERROR_WARNING,
      detail:
        "No listener handled this error of Monque (listen to 'job:error' to handle them; a " +
        "'job:error' listener that throws is reported here). Errors of one kind are shown at " +
        'most once a minute.',
    });
  }
}
