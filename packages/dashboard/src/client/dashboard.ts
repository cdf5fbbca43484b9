/**
 * The dashboard's browser script (progressive enhancement: every page works without it).
 * On live pages (the overview, a job) it subscribes to the server's event stream and swaps in the
 * figures the server rendered (already escaped there), keeping keyboard focus where it was; on
 * action forms it prevents a second submission.
 */

interface ModeEvent {
  readonly mode: 'connecting' | 'live' | 'polling';
  readonly reason?: string;
}

const MODE_TEXT: Readonly<Record<ModeEvent['mode'], string>> = {
  connecting: 'Connecting for live updates…',
  live: 'Live: updates as jobs change.',
  polling: 'Refreshing periodically',
};

function setStatus(status: HTMLElement, mode: string, text: string): void {
  status.dataset.liveMode = mode;
  if (status.textContent !== text) status.textContent = text;
}

/** Replaces the figures, then focuses the link that had focus (found by its address). */
function replaceFigures(container: HTMLElement, markup: string): void {
  const focused = document.activeElement;
  const focusedHref =
    focused instanceof HTMLAnchorElement && container.contains(focused)
      ? focused.getAttribute('href')
      : null;
  container.innerHTML = markup;
  if (focusedHref !== null) {
    for (const link of container.querySelectorAll<HTMLAnchorElement>('a[href]')) {
      if (link.getAttribute('href') === focusedHref) {
        link.focus();
        break;
      }
    }
  }
}

function startLiveUpdates(container: HTMLElement): void {
  const source = container.dataset.liveSource;
  const status = document.getElementById('live-status');
  if (source === undefined || status === null || typeof EventSource !== 'function') return;
  setStatus(status, 'connecting', MODE_TEXT.connecting);
  const events = new EventSource(source);
  let lastFigures = '';
  let mode: { name: string; text: string } = { name: 'connecting', text: MODE_TEXT.connecting };
  events.addEventListener('mode', (event) => {
    const next = JSON.parse((event as MessageEvent<string>).data) as ModeEvent;
    const text =
      next.mode === 'polling' && next.reason !== undefined
        ? `${MODE_TEXT.polling}: ${next.reason}.`
        : MODE_TEXT[next.mode];
    mode = { name: next.mode, text };
    setStatus(status, mode.name, mode.text);
  });
  events.addEventListener('update', (event) => {
    // New figures end a problem shown before.
    setStatus(status, mode.name, mode.text);
    const markup = (event as MessageEvent<string>).data;
    if (markup === lastFigures) return;
    lastFigures = markup;
    replaceFigures(container, markup);
  });
  events.addEventListener('problem', (event) => {
    setStatus(status, 'problem', (event as MessageEvent<string>).data);
  });
  events.addEventListener('error', () => {
    if (events.readyState !== EventSource.CLOSED) {
      setStatus(status, 'reconnecting', 'Connection lost: reconnecting…');
    }
  });
  window.addEventListener('pagehide', () => events.close());
}

function guardDoubleSubmit(form: HTMLFormElement): void {
  form.addEventListener('submit', () => {
    for (const button of form.querySelectorAll('button')) button.disabled = true;
  });
}

const live = document.querySelector<HTMLElement>('[data-live-source]');
if (live !== null) startLiveUpdates(live);
for (const form of document.querySelectorAll<HTMLFormElement>('form[method="post"]')) {
  guardDoubleSubmit(form);
}
