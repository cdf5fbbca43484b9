import type { Document } from 'bson';
import { badValue, CommandError, notSupported } from '../errors.js';
import { type BsonValue, bsonTypeOf, isPlainDocument } from './bson-types.js';
import { setField } from './fields.js';
import { asNumber } from './numeric.js';

/** A projection's fields as a tree of path components (a `Map`, so any name is only data). */
type Tree = Map<string, Node>;
type Node = true | Tree | SliceSpec;
type SliceSpec = { slice: [number, number | undefined] };

function isSlice(node: Node): node is SliceSpec {
  return !(node instanceof Map) && node !== true;
}

/** A compiled find projection. */
export type Projector = (doc: Document) => Document;

function parseSlice(value: BsonValue): [number, number | undefined] {
  if (Array.isArray(value)) {
    const skip = asNumber(value[0]);
    const limit = asNumber(value[1]);
    if (value.length !== 2 || skip === undefined || limit === undefined) {
      throw badValue('$slice takes an array of two numbers');
    }
    if (limit <= 0) throw badValue('$slice limit must be positive');
    return [skip, limit];
  }
  const n = asNumber(value);
  if (n === undefined) throw badValue('$slice only supports numbers and [skip, limit] arrays');
  return [n, undefined];
}

function collision(path: string): CommandError {
  return new CommandError(31250, `Path collision at ${path}`, { codeName: 'Location31250' });
}

function insert(tree: Tree, path: string, node: true | SliceSpec): void {
  const parts = path.split('.');
  let current = tree;
  for (let i = 0; i < parts.length - 1; i++) {
    const part = parts[i] as string;
    const next = current.get(part);
    if (next === undefined) {
      const created: Tree = new Map();
      current.set(part, created);
      current = created;
    } else if (next instanceof Map) {
      current = next;
    } else {
      throw collision(path);
    }
  }
  const last = parts[parts.length - 1] as string;
  if (current.has(last)) throw collision(path);
  current.set(last, node);
}

function applySlice(value: BsonValue, [skip, limit]: [number, number | undefined]): BsonValue {
  if (!Array.isArray(value)) return value;
  if (limit === undefined)
    return skip >= 0 ? value.slice(0, skip) : value.slice(Math.max(0, value.length + skip));
  const start = skip >= 0 ? skip : Math.max(0, value.length + skip);
  return value.slice(start, start + limit);
}

function include(value: BsonValue, tree: Tree): BsonValue {
  if (Array.isArray(value)) {
    return value.filter((v) => isPlainDocument(v) || Array.isArray(v)).map((v) => include(v, tree));
  }
  if (!isPlainDocument(value)) return undefined;
  const out: Document = {};
  for (const [key, v] of Object.entries(value)) {
    const node = tree.get(key);
    if (node === undefined) continue;
    if (node === true) setField(out, key, v);
    else if (isSlice(node)) setField(out, key, applySlice(v, node.slice));
    else {
      const sub = include(v, node);
      if (sub !== undefined) setField(out, key, sub);
    }
  }
  return out;
}

function exclude(value: BsonValue, tree: Tree): BsonValue {
  if (Array.isArray(value)) return value.map((v) => exclude(v, tree));
  if (!isPlainDocument(value)) return value;
  const out: Document = {};
  for (const [key, v] of Object.entries(value)) {
    const node = tree.get(key);
    if (node === undefined) setField(out, key, v);
    else if (node === true) continue;
    else if (isSlice(node)) setField(out, key, applySlice(v, node.slice));
    else setField(out, key, exclude(v, node));
  }
  return out;
}

/**
 * Compiles a find/findAndModify projection: inclusion or exclusion of (dotted) fields, `_id`
 * handling and `$slice`. Positional `$`, `$elemMatch`, `$meta` and computed fields answer
 * not-supported.
 */
export function compileProjection(spec: BsonValue): Projector | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (!isPlainDocument(spec)) throw badValue('projection must be an object');
  const entries = Object.entries(spec);
  if (entries.length === 0) return undefined;
  const tree: Tree = new Map();
  let mode: 'include' | 'exclude' | undefined;
  let idMode: boolean | undefined;
  for (const [path, value] of entries) {
    if (path.endsWith('.$') || path.includes('.$.')) throw notSupported('positional projection');
    if (path.startsWith('$'))
      throw badValue(
        `FieldPath field names may not start with '$'. Consider using $getField or $setField.`,
      );
    if (isPlainDocument(value)) {
      const op = Object.keys(value)[0];
      if (op === '$slice') {
        insert(tree, path, { slice: parseSlice(value.$slice) });
        continue;
      }
      throw notSupported(
        op?.startsWith('$') ? `projection operator ${op}` : 'computed projection field',
      );
    }
    const type = bsonTypeOf(value);
    if (type !== 'bool' && asNumber(value) === undefined)
      throw notSupported('computed projection field');
    const included = type === 'bool' ? value === true : asNumber(value) !== 0;
    if (path === '_id') {
      idMode = included;
      continue;
    }
    const wanted = included ? 'include' : 'exclude';
    if (mode !== undefined && mode !== wanted) {
      if (wanted === 'exclude') {
        throw new CommandError(
          31254,
          `Cannot do exclusion on field ${path} in inclusion projection`,
          {
            codeName: 'Location31254',
          },
        );
      }
      throw new CommandError(
        31253,
        `Cannot do inclusion on field ${path} in exclusion projection`,
        {
          codeName: 'Location31253',
        },
      );
    }
    mode = wanted;
    insert(tree, path, true);
  }
  if (mode === undefined) mode = idMode === true ? 'include' : 'exclude';
  if (mode === 'include') {
    return (doc) => {
      const projected = include(doc, tree) as Document;
      if (idMode === false || doc._id === undefined) return projected;
      return { _id: doc._id, ...projected };
    };
  }
  if (idMode === false) tree.set('_id', true);
  return (doc) => exclude(doc, tree) as Document;
}
