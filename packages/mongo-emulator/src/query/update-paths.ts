import type { Document } from 'bson';
import { badValue, CommandError } from '../errors.js';
import { type BsonValue, bsonTypeOf, isPlainDocument } from './bson-types.js';
import { deleteField, getField, setField } from './fields.js';
import { formatValue } from './format.js';
import { compileFilter, type Predicate } from './matcher.js';
import { isArrayIndex } from './path.js';

/** Code 28: a path cannot be created because an element on it is not a document or array. */
export const PATH_NOT_VIABLE = 28;

/** What resolving positional path components needs. */
export interface PositionalContext {
  /** Compiled `arrayFilters`, by identifier. */
  arrayFilters: Map<string, Predicate>;
  /** Identifiers used by the update, to report unused array filters. */
  used: Set<string>;
  /** Index of the array element the query matched, for the `$` positional operator. */
  positional: (arrayPath: string) => number | undefined;
}

/** Compiles `arrayFilters` into per-identifier predicates over an element. */
export function compileArrayFilters(filters: BsonValue): Map<string, Predicate> {
  const out = new Map<string, Predicate>();
  if (filters === undefined) return out;
  if (!Array.isArray(filters)) throw new CommandError(14, 'arrayFilters must be an array');
  for (const filter of filters) {
    if (!isPlainDocument(filter))
      throw badValue('Cannot use an expression without a top-level field name in arrayFilters');
    let id: string | undefined;
    for (const key of Object.keys(filter)) {
      const top = key.split('.')[0] as string;
      if (!/^[a-z][a-zA-Z0-9]*$/.test(top)) {
        throw badValue(
          `Error parsing array filter :: caused by :: The top-level field name must be an alphanumeric string beginning with a lowercase letter, found '${top}'`,
        );
      }
      if (id !== undefined && id !== top) {
        throw new CommandError(
          9,
          `Error parsing array filter :: caused by :: Expected a single top-level field name, found '${id}' and '${top}'`,
        );
      }
      id = top;
    }
    if (id === undefined)
      throw new CommandError(
        9,
        'Cannot use an expression without a top-level field name in arrayFilters',
      );
    if (out.has(id)) {
      throw new CommandError(
        9,
        `Found multiple array filters with the same top-level field name ${id}`,
      );
    }
    const predicate = compileFilter(filter);
    const name = id;
    out.set(name, (element) => predicate({ [name]: element }));
  }
  return out;
}

/**
 * Expands one update path into the concrete paths it addresses in `doc`, resolving `$`, `$[]` and
 * `$[identifier]`.
 */
export function expandPath(doc: Document, path: string, ctx: PositionalContext): string[] {
  const parts = path.split('.');
  if (!parts.some((p) => p.startsWith('$'))) return [path];
  let results: Array<{ prefix: string[]; value: BsonValue }> = [{ prefix: [], value: doc }];
  for (const part of parts) {
    const next: Array<{ prefix: string[]; value: BsonValue }> = [];
    for (const { prefix, value } of results) {
      if (part === '$' || part === '$[]' || /^\$\[[^\]]+\]$/.test(part)) {
        const arrayPath = prefix.join('.');
        if (!Array.isArray(value)) {
          if (part === '$') {
            throw badValue('The positional operator did not find the match needed from the query.');
          }
          throw badValue(
            `The path '${arrayPath}' must exist in the document in order to apply array updates.`,
          );
        }
        if (part === '$') {
          const index = ctx.positional(arrayPath);
          if (index === undefined) {
            throw badValue('The positional operator did not find the match needed from the query.');
          }
          next.push({ prefix: [...prefix, String(index)], value: value[index] });
        } else if (part === '$[]') {
          value.forEach((element, i) => {
            next.push({ prefix: [...prefix, String(i)], value: element });
          });
        } else {
          const id = part.slice(2, -1);
          const filter = ctx.arrayFilters.get(id);
          if (!filter)
            throw badValue(`No array filter found for identifier '${id}' in path '${path}'`);
          ctx.used.add(id);
          value.forEach((element, i) => {
            if (filter(element as Document))
              next.push({ prefix: [...prefix, String(i)], value: element });
          });
        }
        continue;
      }
      let child: BsonValue;
      if (Array.isArray(value) && isArrayIndex(part)) child = value[Number(part)];
      else if (isPlainDocument(value)) child = getField(value, part);
      next.push({ prefix: [...prefix, part], value: child });
    }
    results = next;
  }
  return results.map((r) => r.prefix.join('.'));
}

/** Identifiers mentioned by `$[identifier]` components of a path. */
export function pathIdentifiers(path: string): string[] {
  const ids: string[] = [];
  for (const part of path.split('.')) {
    const m = /^\$\[([^\]]+)\]$/.exec(part);
    if (m?.[1]) ids.push(m[1]);
  }
  return ids;
}

function describe(doc: BsonValue): string {
  return formatValue(doc, false);
}

/** The container and key where a path ends, creating missing intermediate documents. */
function parentFor(
  doc: Document,
  path: string,
  create: boolean,
): { parent: BsonValue; key: string } | undefined {
  const parts = path.split('.');
  let current: BsonValue = doc;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    let child: BsonValue;
    if (Array.isArray(current)) {
      if (!isArrayIndex(part)) {
        if (!create) return undefined;
        throw new CommandError(
          PATH_NOT_VIABLE,
          `Cannot create field '${part}' in element {${parts.slice(0, i).at(-1)}: ${describe(current)}}`,
          { codeName: 'PathNotViable' },
        );
      }
      child = current[Number(part)];
    } else if (isPlainDocument(current)) {
      child = getField(current, part);
    } else {
      if (!create) return undefined;
      throw new CommandError(
        PATH_NOT_VIABLE,
        `Cannot create field '${part}' in element {${parts[i - 1]}: ${describe(current)}}`,
        { codeName: 'PathNotViable' },
      );
    }
    if (child === undefined || child === null) {
      if (!create) return undefined;
      if (child === null) {
        throw new CommandError(
          PATH_NOT_VIABLE,
          `Cannot create field '${parts[i + 1]}' in element {${part}: null}`,
          { codeName: 'PathNotViable' },
        );
      }
      child = {};
      if (Array.isArray(current)) setArrayIndex(current, Number(part), child);
      else setField(current as object, part, child);
    }
    current = child;
  }
  const key = parts[parts.length - 1] as string;
  if (!Array.isArray(current) && !isPlainDocument(current)) {
    if (!create) return undefined;
    throw new CommandError(
      PATH_NOT_VIABLE,
      `Cannot create field '${key}' in element {${parts[parts.length - 2]}: ${describe(current)}}`,
      { codeName: 'PathNotViable' },
    );
  }
  if (Array.isArray(current) && !isArrayIndex(key)) {
    if (!create) return undefined;
    throw new CommandError(
      PATH_NOT_VIABLE,
      `Cannot create field '${key}' in element {${parts[parts.length - 2]}: ${describe(current)}}`,
      { codeName: 'PathNotViable' },
    );
  }
  return { parent: current, key };
}

function setArrayIndex(array: unknown[], index: number, value: unknown): void {
  while (array.length < index) array.push(null);
  array[index] = value;
}

/** Reads the value at a concrete (non-positional) path. */
export function readPath(doc: Document, path: string): BsonValue {
  const target = parentFor(doc, path, false);
  if (!target) return undefined;
  const { parent, key } = target;
  return Array.isArray(parent) ? parent[Number(key)] : getField(parent as object, key);
}

/** Writes a value at a concrete path, creating intermediate documents as MongoDB does. */
export function writePath(doc: Document, path: string, value: BsonValue): void {
  const target = parentFor(doc, path, true) as { parent: BsonValue; key: string };
  const { parent, key } = target;
  if (Array.isArray(parent)) setArrayIndex(parent, Number(key), value);
  else setField(parent as object, key, value);
}

/** Removes the value at a concrete path; array elements become null, as with MongoDB's `$unset`. */
export function removePath(doc: Document, path: string): void {
  const target = parentFor(doc, path, false);
  if (!target) return;
  const { parent, key } = target;
  if (Array.isArray(parent)) {
    if (Number(key) < parent.length) parent[Number(key)] = null;
  } else {
    deleteField(parent as object, key);
  }
}

/** The BSON type alias of a value, as update error messages name it. */
export function typeName(value: BsonValue): string {
  return bsonTypeOf(value);
}
