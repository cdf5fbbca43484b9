import * as core from '@monque/core';
import * as testing from '@monque/core/testing';
import {
  type ApiFacts,
  type ErrorFact,
  oneLine,
  type PropertyFact,
  readApiFacts,
} from './api-facts.ts';
import { parseStatedValue } from './stated-facts.ts';

/** An option's default as `resolveMonqueOptions()` resolves it. */
export type ResolvedDefault =
  | { readonly kind: 'value'; readonly value: unknown }
  | { readonly kind: 'random-uuid' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Every option's default, from `resolveMonqueOptions()` without options. A value that differs
 * between two calls is accepted only as a random UUID (`schedulerInstanceId`).
 */
export function resolvedDefaults(): Map<string, ResolvedDefault> {
  const first = core.resolveMonqueOptions() as Readonly<Record<string, unknown>>;
  const second = core.resolveMonqueOptions() as Readonly<Record<string, unknown>>;
  const defaults = new Map<string, ResolvedDefault>();
  for (const [name, value] of Object.entries(first)) {
    if (Object.is(value, second[name])) {
      defaults.set(name, { kind: 'value', value });
    } else if (typeof value === 'string' && UUID.test(value)) {
      defaults.set(name, { kind: 'random-uuid' });
    } else {
      throw new Error(`the default of ${name} differs between two calls: ${String(value)}`);
    }
  }
  return defaults;
}

/** The unit an option's number is in, read from its TSDoc. */
export function optionUnit(option: PropertyFact): 'ms' | 'bytes' | undefined {
  if (/\(ms\b|\bms[,)]|millisecond/.test(option.doc)) return 'ms';
  if (/\bbytes?\b/.test(option.doc)) return 'bytes';
  return undefined;
}

const DURATION_UNITS: ReadonlyArray<readonly [string, number]> = [
  ['h', 3_600_000],
  ['min', 60_000],
  ['s', 1000],
];

const DAY = 86_400_000;

/**
 * A duration in milliseconds in its largest whole unit: `1 s`, `24 h`, `250 ms`; whole days from
 * two on: `7 days`.
 */
export function formatDuration(ms: number): string {
  if (ms >= 2 * DAY && ms % DAY === 0) return `${ms / DAY} days`;
  for (const [unit, size] of DURATION_UNITS) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${unit}`;
  }
  return `${ms} ms`;
}

/** A size in bytes in its largest whole binary unit: `16 MiB`, `64 KiB`, `100 bytes`. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) === 0) return `${bytes / (1024 * 1024)} MiB`;
  if (bytes >= 1024 && bytes % 1024 === 0) return `${bytes / 1024} KiB`;
  return `${bytes} bytes`;
}

/** How the reference writes an option's default. */
export function formatDefault(option: PropertyFact, resolved: ResolvedDefault): string {
  if (resolved.kind === 'random-uuid') return 'a random UUID';
  const { value } = resolved;
  if (value === undefined) return 'none';
  if (typeof value === 'string') return `\`'${value}'\``;
  if (typeof value === 'boolean') return `\`${value}\``;
  if (typeof value === 'number') {
    const unit = optionUnit(option);
    if (unit === 'ms') return formatDuration(value);
    if (unit === 'bytes') return formatBytes(value);
    return String(value);
  }
  if (typeof value === 'object' && value !== null) {
    // An option made of named values (such as `retention`), each written as the option's own.
    const entries = Object.entries(value).map(
      ([key, entry]) => `${key}: ${formatDefault(option, { kind: 'value', value: entry })}`,
    );
    return `{ ${entries.join(', ')} }`;
  }
  throw new Error(`cannot write the default of ${option.name}: ${String(value)}`);
}

/** The default an option's TSDoc states (`Default: …`), as written. */
export function statedDefault(option: PropertyFact): string | undefined {
  return /\bDefault:? (.+?)\.(?:\s|$)/.exec(option.doc)?.[1];
}

/**
 * The default column of an option: the resolved default; or, for a default computed from other
 * options (its TSDoc states a formula, not a value), the formula as the TSDoc states it.
 */
function defaultCell(option: PropertyFact, resolved: ResolvedDefault): string {
  const stated = statedDefault(option);
  if (stated !== undefined && parseStatedValue(stated) === undefined) return stated;
  return formatDefault(option, resolved);
}

/** The first sentence of a TSDoc comment. */
export function firstSentence(text: string): string {
  const match = /^(.+?[.!?])(?:\s+(?=[A-Z`(])|$)/.exec(text);
  return (match?.[1] ?? text).trim();
}

/** A TSDoc comment's text without its `Default …` sentence (the table has its own column). */
function withoutDefault(text: string): string {
  return text.replace(/\s*Default(?::| )[^.]*(?:\.\s*|$)/g, ' ').trim();
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
}

function code(text: string): string {
  return `\`${text}\``;
}

function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  return [
    `| ${header.join(' | ')} |`,
    `| ${header.map(() => '---').join(' | ')} |`,
    ...rows.map((row) => `| ${row.map(cell).join(' | ')} |`),
  ].join('\n');
}

/** The error classes among the runtime exports of both entry points. */
export function exportedErrors(facts: ApiFacts = readApiFacts()): ErrorFact[] {
  const errors: ErrorFact[] = [];
  for (const [from, module] of [
    ['@monque/core', core],
    ['@monque/core/testing', testing],
  ] as const) {
    for (const [name, value] of Object.entries(module)) {
      if (typeof value !== 'function' || !(value.prototype instanceof Error)) continue;
      const fact = facts.classes.get(name);
      if (fact === undefined)
        throw new Error(`${from} exports ${name}, but its class was not read`);
      errors.push({ ...fact, from });
    }
  }
  return errors;
}

/**
 * The tables the documentation restates from the code, by name. Each takes the names it lists
 * as arguments (all when none are given).
 */
const TABLES: Readonly<Record<string, (args: readonly string[], facts: ApiFacts) => string>> = {
  /** `MonqueOptions`: each option, its resolved default and what it sets. */
  options(args, facts) {
    const defaults = resolvedDefaults();
    const options = pick(facts.options, args, 'option');
    return table(
      ['Option', 'Default', 'What it sets'],
      options.map((option) => {
        const resolved = defaults.get(option.name);
        if (resolved === undefined) throw new Error(`resolveMonqueOptions() has no ${option.name}`);
        return [
          code(option.name),
          defaultCell(option, resolved),
          firstSentence(withoutDefault(option.doc)),
        ];
      }),
    );
  },
  /** `MonqueEventMap`: each event, the listener's arguments and when it is emitted. */
  events(args, facts) {
    return table(
      ['Event', 'Listener receives', 'Emitted when'],
      pick(facts.events, args, 'event').map((event) => [
        code(event.name),
        event.parameters.length === 0
          ? 'nothing'
          : event.parameters
              .map((parameter) => code(`${parameter.name}: ${parameter.type}`))
              .join(', '),
        event.doc,
      ]),
    );
  },
  /** The payload types of the events and their fields. */
  'event-payloads'(args, facts) {
    return table(
      ['Payload', 'Field', 'Type', 'Meaning'],
      pick(facts.payloads, args, 'payload').flatMap((payload) =>
        payload.fields.map((field) => [
          code(payload.name),
          code(field.optional ? `${field.name}?` : field.name),
          code(field.type),
          firstSentence(field.doc),
        ]),
      ),
    );
  },
  /** The exported error classes: what they extend, what they carry and when they occur. */
  errors(args, facts) {
    return table(
      ['Error', 'Exported by', 'Extends', 'Properties', 'When'],
      pick(exportedErrors(facts), args, 'error').map((error) => [
        code(error.name),
        code(error.from),
        code(error.extends),
        error.properties.length === 0
          ? '—'
          : error.properties
              .map((property) => code(`${property.name}: ${property.type}`))
              .join(', '),
        firstSentence(error.doc),
      ]),
    );
  },
};

function pick<T extends { readonly name: string }>(
  items: readonly T[],
  names: readonly string[],
  what: string,
): T[] {
  if (names.length === 0) return [...items];
  return names.map((name) => {
    const item = items.find((candidate) => candidate.name === name);
    if (item === undefined) throw new Error(`no ${what} named ${name}`);
    return item;
  });
}

/** The markers around a generated table, for Markdown and for MDX. */
const REGION = {
  md: /(<!-- generated by npm run docs:tables: ([\w-]+)((?: [\w:-]+)*) -->\n)[\s\S]*?(<!-- end of generated table -->)/g,
  mdx: /(\{\/\* generated by npm run docs:tables: ([\w-]+)((?: [\w:-]+)*) \*\/\}\n)[\s\S]*?(\{\/\* end of generated table \*\/\})/g,
};

/** The names of the generated tables a document has. */
export function generatedTables(text: string, file: string): string[] {
  const region = file.endsWith('.mdx') ? REGION.mdx : REGION.md;
  return [...text.matchAll(region)].map((match) => match[2] ?? '');
}

/**
 * The document with each generated table written anew from the code: every region between a
 * `generated by npm run docs:tables: NAME ARGS…` marker and the `end of generated table` marker.
 */
export function regenerateTables(text: string, file: string, facts = readApiFacts()): string {
  const region = file.endsWith('.mdx') ? REGION.mdx : REGION.md;
  return text.replace(region, (_, start: string, name: string, args: string, end: string) => {
    const render = TABLES[name];
    if (render === undefined) throw new Error(`${file}: no generated table named ${name}`);
    return `${start}\n${render(args.trim() === '' ? [] : args.trim().split(' '), facts)}\n\n${end}`;
  });
}

/**
 * The document with every table row written the same way (cells trimmed, separator cells `---`),
 * so a table matches whether or not the formatter aligned its columns.
 */
export function normalizeTables(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      if (!line.trimStart().startsWith('|')) return line;
      const cells = line
        .trim()
        .replace(/^\||\|$/g, '')
        .split(/(?<!\\)\|/)
        .map((cell) => cell.trim())
        .map((cell) => (/^:?-+:?$/.test(cell) ? '---' : cell));
      return `| ${cells.join(' | ')} |`;
    })
    .join('\n');
}

export { oneLine };
