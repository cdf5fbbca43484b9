import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as core from '@monque/core';
import * as testing from '@monque/core/testing';
import * as emulator from '@monque/mongo-emulator';
import * as mongodb from 'mongodb';
import { describe, expect, it } from 'vitest';
import { readApiFacts } from './support/api-facts.ts';
import {
  exportedErrors,
  generatedTables,
  normalizeTables,
  type ResolvedDefault,
  regenerateTables,
  resolvedDefaults,
  statedDefault,
} from './support/reference-tables.ts';
import { checkedDocuments, DOCS_CONTENT, repositoryRoot } from './support/repository.ts';
import {
  backtickedWords,
  findStatements,
  parseStatedValue,
  type StatedValue,
  splitRow,
} from './support/stated-facts.ts';

/** `DOCS_TABLES=write` (npm run docs:tables) rewrites the generated tables instead of checking. */
const WRITE = process.env.DOCS_TABLES === 'write';

const documents = (): Array<{ file: string; text: string }> =>
  checkedDocuments().map((file) => ({
    file,
    text: readFileSync(join(repositoryRoot, file), 'utf8'),
  }));

function matches(stated: StatedValue | undefined, actual: ResolvedDefault): boolean {
  if (stated === undefined) return false;
  if (actual.kind === 'random-uuid') return stated.kind === 'random-uuid';
  const { value } = actual;
  switch (stated.kind) {
    case 'none':
      return value === undefined;
    case 'random-uuid':
      return false;
    default:
      return Object.is(stated.value, value);
  }
}

describe('tables and values that restate the code', () => {
  it('every generated table matches the code (npm run docs:tables writes them)', () => {
    const stale: string[] = [];
    for (const { file, text } of documents()) {
      const fresh = regenerateTables(text, file);
      if (normalizeTables(fresh) === normalizeTables(text)) continue;
      if (WRITE) writeFileSync(join(repositoryRoot, file), fresh);
      else stale.push(file);
    }
    expect(stale, 'run `npm run docs:tables` to write these tables from the code').toEqual([]);
  });

  it('the reference pages have the complete tables: options, events, payloads, errors', () => {
    const tables = (page: string) =>
      generatedTables(readFileSync(join(repositoryRoot, DOCS_CONTENT, page), 'utf8'), page);
    expect(tables('reference/options.md')).toEqual(['options']);
    expect(tables('concepts/events.md')).toEqual(['events', 'event-payloads']);
    expect(tables('reference/errors.md')).toEqual(['errors']);
    const text = readFileSync(join(repositoryRoot, DOCS_CONTENT, 'concepts/events.md'), 'utf8');
    for (const event of readApiFacts().events) {
      expect(normalizeTables(text)).toContain(`| \`${event.name}\` |`);
    }
  });

  it('every option has a resolved default and every resolved default is an option', () => {
    const options = readApiFacts().options.map((option) => option.name);
    expect([...resolvedDefaults().keys()].sort()).toEqual([...options].sort());
  });

  it('every default or constant the docs state matches the code', () => {
    const defaults = resolvedDefaults();
    const constants = new Map<string, ResolvedDefault>();
    for (const module of [core, testing, emulator]) {
      for (const [name, value] of Object.entries(module)) {
        if (/^[A-Z][A-Z0-9_]+$/.test(name) && typeof value === 'number') {
          constants.set(name, { kind: 'value', value });
        }
      }
    }
    const isName = (name: string) => defaults.has(name) || constants.has(name);
    const wrong: string[] = [];
    let checked = 0;
    for (const { file, text } of documents()) {
      for (const statement of findStatements(text, file, isName)) {
        checked += 1;
        const actual = defaults.get(statement.name) ?? constants.get(statement.name);
        if (actual !== undefined && !matches(parseStatedValue(statement.text), actual)) {
          const value = actual.kind === 'random-uuid' ? 'a random UUID' : String(actual.value);
          wrong.push(
            `${statement.file}:${statement.line}: ${statement.name} "${statement.text}" (code: ${value})`,
          );
        }
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(wrong).toEqual([]);
  });

  it('the TSDoc of each option states the default the code resolves', () => {
    const defaults = resolvedDefaults();
    const wrong: string[] = [];
    for (const option of readApiFacts().options) {
      const stated = statedDefault(option);
      const actual = defaults.get(option.name);
      if (stated === undefined || actual === undefined) {
        wrong.push(`${option.name}: no "Default …" in its TSDoc`);
        continue;
      }
      const parsed = parseStatedValue(stated);
      // A default computed from other options is described, not restated: it cannot be compared.
      if (parsed === undefined) continue;
      if (!matches(parsed, actual)) wrong.push(`${option.name}: TSDoc "Default ${stated}"`);
    }
    expect(wrong).toEqual([]);
  });

  it('every event the docs name is an event of MonqueEventMap', () => {
    const events = new Set(readApiFacts().events.map((event) => event.name));
    const unknown: string[] = [];
    for (const { file, text } of documents()) {
      for (const { line, word } of backtickedWords(text, file)) {
        // `job:start`, `changestream:fallback`, …; not module specifiers such as `node:events`.
        if (/^(?!node:)[a-z]+:[a-z]+$/.test(word) && !events.has(word)) {
          unknown.push(`${file}:${line}: ${word}`);
        }
      }
    }
    expect(unknown).toEqual([]);
  });

  it('every error class the docs name exists: exported by Monque, the driver or JavaScript (or a driver error label)', () => {
    const known = new Set([
      ...exportedErrors().map((error) => error.name),
      ...Object.keys(mongodb),
      // Error labels such as `TransientTransactionError` name no class, but the driver's label list.
      ...Object.values(mongodb.MongoErrorLabel),
      ...Object.getOwnPropertyNames(globalThis),
    ]);
    const unknown: string[] = [];
    for (const { file, text } of documents()) {
      for (const { line, word } of backtickedWords(text, file)) {
        if (/^[A-Z]\w*Error$/.test(word) && !known.has(word))
          unknown.push(`${file}:${line}: ${word}`);
      }
    }
    expect(unknown).toEqual([]);
  });

  it('the testing guide lists every helper of @monque/core/testing', () => {
    const page = readFileSync(join(repositoryRoot, DOCS_CONTENT, 'guides/testing.md'), 'utf8');
    const listed = page
      .split('\n')
      .filter((line) => line.startsWith('| `'))
      .map((line) => /^`(\w+)/.exec(splitRow(line)[0] ?? '')?.[1]);
    const helpers = Object.entries(testing)
      .filter(([, value]) => typeof value === 'function')
      .map(([name]) => name);
    expect(listed.sort()).toEqual(helpers.sort());
  });
});
