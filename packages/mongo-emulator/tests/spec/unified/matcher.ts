import {
  bsonTypeNames,
  isDocument,
  numericValue,
  type PlainObject,
  scalarEquals,
  show,
} from './values.js';

/** Looks up an entity for `$$matchesEntity`. */
export type EntityResolver = (id: string) => unknown;

/** Looks up the `lsid` of a session entity for `$$sessionLsid`. */
export type SessionLsidResolver = (id: string) => unknown;

/** A failed match: where and why. */
export class MatchError extends Error {
  constructor(path: string, message: string) {
    super(`${path || '<root>'}: ${message}`);
    this.name = 'MatchError';
  }
}

function isOperator(value: unknown): value is PlainObject {
  if (!isDocument(value)) return false;
  const keys = Object.keys(value);
  return keys.length === 1 && (keys[0] as string).startsWith('$$');
}

function readField(actual: unknown, key: string): unknown {
  if (actual === null || actual === undefined) return undefined;
  if (actual instanceof Map) return actual.get(key);
  if (typeof actual !== 'object') return undefined;
  return (actual as PlainObject)[key];
}

function hasField(actual: unknown, key: string): boolean {
  if (actual === null || typeof actual !== 'object') return false;
  if (actual instanceof Map) return actual.has(key);
  return key in actual && (actual as PlainObject)[key] !== undefined;
}

function ownKeys(actual: unknown): string[] {
  if (actual instanceof Map) return [...actual.keys()].map(String);
  if (actual === null || typeof actual !== 'object') return [];
  return Object.keys(actual).filter((key) => (actual as PlainObject)[key] !== undefined);
}

/**
 * The unified test format's matching rules: root-level documents may carry extra fields, nested
 * ones may not; arrays match in length and order; ints, longs and doubles match by value; the
 * operators `$$exists`, `$$type`, `$$unsetOrMatches`, `$$matchesEntity`, `$$sessionLsid`, `$$lte`.
 */
export class Matcher {
  constructor(
    private readonly entities: EntityResolver,
    private readonly sessionLsid: SessionLsidResolver = (id) => {
      throw new MatchError('$$sessionLsid', `no session entity ${id}`);
    },
  ) {}

  /** Throws a {@link MatchError} unless `actual` matches `expected`. */
  match(expected: unknown, actual: unknown, options: { root?: boolean; path?: string } = {}): void {
    this.value(expected, actual, options.path ?? '', options.root ?? true);
  }

  private value(expected: unknown, actual: unknown, path: string, root: boolean): void {
    if (isOperator(expected)) {
      this.operator(expected, actual, path, root);
      return;
    }
    if (Array.isArray(expected)) {
      if (!Array.isArray(actual))
        throw new MatchError(path, `expected an array, got ${show(actual)}`);
      if (actual.length !== expected.length) {
        throw new MatchError(
          path,
          `expected ${expected.length} elements, got ${actual.length}: ${show(actual)}`,
        );
      }
      expected.forEach((item, index) => {
        this.value(item, actual[index], `${path}[${index}]`, root);
      });
      return;
    }
    if (isDocument(expected)) {
      this.document(expected, actual, path, root);
      return;
    }
    if (!scalarEquals(expected, actual)) {
      throw new MatchError(path, `expected ${show(expected)}, got ${show(actual)}`);
    }
  }

  private document(expected: PlainObject, actual: unknown, path: string, root: boolean): void {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) {
      throw new MatchError(path, `expected a document, got ${show(actual)}`);
    }
    for (const [key, expectedValue] of Object.entries(expected)) {
      const fieldPath = path ? `${path}.${key}` : key;
      if (isOperator(expectedValue)) {
        const name = Object.keys(expectedValue)[0];
        if (name === '$$exists') {
          const present = hasField(actual, key);
          if (present !== expectedValue.$$exists) {
            throw new MatchError(
              fieldPath,
              present ? 'expected the field to be absent' : 'expected the field to exist',
            );
          }
          continue;
        }
        if (name === '$$unsetOrMatches' && !hasField(actual, key)) continue;
      } else if (!hasField(actual, key)) {
        throw new MatchError(fieldPath, `missing; expected ${show(expectedValue)}`);
      }
      this.value(expectedValue, readField(actual, key), fieldPath, false);
    }
    if (!root) {
      const extra = ownKeys(actual).filter((key) => !(key in expected));
      if (extra.length > 0)
        throw new MatchError(path, `unexpected fields ${extra.join(', ')} in ${show(actual)}`);
    }
  }

  private operator(expected: PlainObject, actual: unknown, path: string, root: boolean): void {
    const [name, argument] = Object.entries(expected)[0] as [string, unknown];
    switch (name) {
      case '$$exists':
        if ((actual !== undefined) !== argument) {
          throw new MatchError(
            path,
            argument ? 'expected a value' : `expected no value, got ${show(actual)}`,
          );
        }
        return;
      case '$$type': {
        const wanted = Array.isArray(argument) ? (argument as string[]) : [argument as string];
        const types = bsonTypeNames(actual);
        if (!wanted.some((type) => types.includes(type))) {
          throw new MatchError(
            path,
            `expected type ${wanted.join('|')}, got ${types.join('|') || 'missing'} (${show(actual)})`,
          );
        }
        return;
      }
      case '$$unsetOrMatches':
        if (actual === undefined) return;
        this.value(argument, actual, path, root);
        return;
      case '$$matchesEntity':
        this.value(this.entities(String(argument)), actual, path, root);
        return;
      case '$$sessionLsid':
        this.value(this.sessionLsid(String(argument)), actual, path, false);
        return;
      case '$$lte': {
        const limit = numericValue(argument);
        const value = numericValue(actual);
        if (limit === undefined || value === undefined || value > limit) {
          throw new MatchError(path, `expected a number <= ${show(argument)}, got ${show(actual)}`);
        }
        return;
      }
      default:
        throw new MatchError(path, `the runner does not implement the operator ${name}`);
    }
  }
}
