import { html, type SafeHtml } from './html.js';

/** A date as `2026-01-31 12:00:00Z` (UTC, to the second), or an em dash for none. */
export function formatDate(date: Date | null | undefined): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return '—';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

/** A `<time>` element for a date (machine-readable `datetime`, UTC text). */
export function timeElement(date: Date | null | undefined): SafeHtml {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return html`—`;
  return html`<time datetime="${date.toISOString()}">${formatDate(date)}</time>`;
}

/** A duration in ms as `850 ms`, `12.3 s`, `4 min 5 s`, `3 h 20 min` or `2 d 4 h`. */
export function formatDuration(ms: number): string {
  const sign = ms < 0 ? '−' : '';
  const abs = Math.abs(ms);
  if (abs < 1000) return `${sign}${Math.round(abs)} ms`;
  if (abs < 60_000) return `${sign}${(abs / 1000).toFixed(1)} s`;
  const seconds = Math.floor(abs / 1000);
  const [big, bigUnit, small, smallUnit] =
    seconds < 3600
      ? [Math.floor(seconds / 60), 'min', seconds % 60, 's']
      : seconds < 86_400
        ? [Math.floor(seconds / 3600), 'h', Math.floor((seconds % 3600) / 60), 'min']
        : [Math.floor(seconds / 86_400), 'd', Math.floor((seconds % 86_400) / 3600), 'h'];
  return small === 0
    ? `${sign}${big} ${bigUnit}`
    : `${sign}${big} ${bigUnit} ${small} ${smallUnit}`;
}

/** How long ago `date` was, seen at `now`: `12.3 s ago`, or an em dash for none. */
export function formatAge(date: Date | null | undefined, now: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) return '—';
  return `${formatDuration(now.getTime() - date.getTime())} ago`;
}

interface BsonLike {
  _bsontype?: unknown;
  toHexString?: () => string;
  toString: () => string;
}

function bsonType(value: object): string | undefined {
  const type = (value as BsonLike)._bsontype;
  return typeof type === 'string' ? type : undefined;
}

function formatScalar(value: unknown): string | undefined {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (value instanceof Date) {
    return Number.isNaN(value.getTime()) ? 'Invalid Date' : `Date(${value.toISOString()})`;
  }
  if (typeof value !== 'object') return String(value);
  const type = bsonType(value);
  if (type === 'ObjectId') return `ObjectId(${(value as BsonLike).toHexString?.() ?? ''})`;
  if (type !== undefined) return `${type}(${String(value)})`;
  return undefined;
}

/**
 * A value read from the database as readable text: JSON-like, indented, with Dates and ObjectIds
 * spelled out. Field names are read as data, never used as keys of a new object.
 */
export function formatValue(value: unknown, indent = ''): string {
  const scalar = formatScalar(value);
  if (scalar !== undefined) return scalar;
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => inner + formatValue(item, inner)).join(',\n')}\n${indent}]`;
  }
  const entries = Object.entries(value as object);
  if (entries.length === 0) return '{}';
  const lines = entries.map(
    ([key, item]) => `${inner}${JSON.stringify(key)}: ${formatValue(item, inner)}`,
  );
  return `{\n${lines.join(',\n')}\n${indent}}`;
}
