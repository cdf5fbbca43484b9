import type { Document } from 'bson';
import { badValue, CommandError, notSupported } from '../errors.js';
import { type BsonValue, bsonTypeOf, isPlainDocument } from './bson-types.js';
import { deleteField, getField, setField } from './fields.js';
import { compileFilter, type Predicate } from './matcher.js';
import { asNumber } from './numeric.js';
import { positionalKey } from './positional.js';

/** A projection's fields as a tree of path components (a `Map`, so any name is only data). */
type Tree = Map<string, Node>;
type Node = true | Tree | SliceSpec;
type SliceSpec = { slice: [number, number | undefined] };

function isSlice(node: Node): node is SliceSpec {
  return !(node instanceof Map) && node !== true;
}

/** A compiled find projection. */
export type Projector = (doc: Document) => Document;

function located(code: number, message: string): CommandError {
  return new CommandError(code, message, { codeName: `Location${code}` });
}

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
  return located(31250, `Path collision at ${path}`);
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

/** Checks a projection path's field names as MongoDB's FieldPath does. */
function checkPath(path: string): void {
  if (path === '') throw located(40352, 'FieldPath cannot be constructed with empty string');
  if (path.endsWith('.')) throw located(40353, "FieldPath must not end with a '.'.");
  const parts = path.split('.');
  if (parts.some((part) => part === '')) {
    throw located(15998, 'FieldPath field names may not be empty strings.');
  }
  if (parts.some((part, i) => part.startsWith('$') && !(part === '$' && i > 0))) {
    throw located(
      16410,
      "FieldPath field names may not start with '$'. Consider using $getField or $setField.",
    );
  }
}

/**
 * The projection's entries with nested sub-projections (`{a: {b: 1}}`) flattened to dotted paths
 * (`a.b`), as MongoDB reads them.
 */
function flatten(spec: Document, prefix: string, out: Array<[string, BsonValue]>): void {
  for (const [name, value] of Object.entries(spec)) {
    const path = prefix === '' ? name : `${prefix}.${name}`;
    if (isPlainDocument(value) && Object.keys(value)[0]?.startsWith('$') !== true) {
      if (Object.keys(value).length === 0) {
        throw located(
          51270,
          `An empty sub-projection is not a valid value. Found empty object at path ${path}`,
        );
      }
      flatten(value, path, out);
    } else {
      out.push([path, value]);
    }
  }
}

/** `$elemMatch` projections: the first element of a top-level array matching a condition. */
interface ElemMatch {
  field: string;
  matches: Predicate;
}

function elemMatchProjection(path: string, condition: BsonValue): ElemMatch {
  if (!isPlainDocument(condition)) throw badValue('elemMatch: Invalid argument, object required.');
  if (path.includes('.')) {
    throw located(31275, 'Cannot use $elemMatch projection on a nested field.');
  }
  // A one-element array matches `{field: {$elemMatch: condition}}` exactly when its element does.
  const matches = compileFilter({ e: { $elemMatch: condition } });
  return { field: path, matches };
}

function applyElemMatch(out: Document, doc: Document, { field, matches }: ElemMatch): void {
  const value = getField(doc, field);
  const element = Array.isArray(value) ? value.find((e) => matches({ e: [e] })) : undefined;
  // The field comes after the other included fields, whatever its place in the document.
  deleteField(out, field);
  if (element !== undefined) setField(out, field, [element]);
}

/** Positional projection (`arr.$`): the array element the query matched, by MongoDB's rules. */
function applyPositional(out: Document, doc: Document, path: string, filter: Document): void {
  const parts = path.split('.');
  let current: BsonValue = doc;
  let target: BsonValue = out;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const value: BsonValue = isPlainDocument(current) ? getField(current, part) : undefined;
    if (Array.isArray(value)) {
      const key = positionalKey(filter, doc);
      if (key === undefined) {
        throw located(
          51246,
          "Executor error during find command :: caused by :: positional operator '.$' couldn't find a matching element in the array",
        );
      }
      const element = value[key];
      if (element === undefined) {
        throw located(
          51247,
          "Executor error during find command :: caused by :: positional operator '.$' element mismatch",
        );
      }
      if (isPlainDocument(target)) setField(target, part, [element]);
      return;
    }
    if (!isPlainDocument(value)) return;
    current = value;
    target = isPlainDocument(target) ? getField(target, part) : undefined;
  }
}

function includedOrExcluded(value: BsonValue): boolean {
  const type = bsonTypeOf(value);
  if (type !== 'bool' && asNumber(value) === undefined) {
    throw notSupported('computed projection field');
  }
  return type === 'bool' ? value === true : asNumber(value) !== 0;
}

/**
 * Compiles a find/findAndModify projection: inclusion or exclusion of (dotted or nested) fields,
 * `_id` handling, `$slice`, `$elemMatch` and the positional `arr.$` (which needs the query's
 * `filter`). `$meta` and computed fields answer not-supported.
 */
export function compileProjection(
  spec: BsonValue,
  filter?: Document | null,
): Projector | undefined {
  if (spec === undefined || spec === null) return undefined;
  if (!isPlainDocument(spec)) throw badValue('projection must be an object');
  const entries: Array<[string, BsonValue]> = [];
  flatten(spec, '', entries);
  if (entries.length === 0) return undefined;
  const tree: Tree = new Map();
  const elemMatches: ElemMatch[] = [];
  let positional: string | undefined;
  let mode: 'include' | 'exclude' | undefined;
  let idMode: boolean | undefined;
  const setMode = (wanted: 'include' | 'exclude', path: string) => {
    if (mode !== undefined && mode !== wanted) {
      if (wanted === 'exclude') {
        throw located(31254, `Cannot do exclusion on field ${path} in inclusion projection`);
      }
      throw located(31253, `Cannot do inclusion on field ${path} in exclusion projection`);
    }
    mode = wanted;
  };
  for (const [path, value] of entries) {
    checkPath(path);
    if (path.includes('$')) {
      const base = path.slice(0, -2);
      if (!path.endsWith('.$') || base.split('.').includes('$')) {
        throw located(
          31394,
          "As of 4.4, it's illegal to specify positional operator in the middle of a path.Positional projection may only be used at the end, for example: a.b.$. If the query previously used a form like a.b.$.d, remove the parts following the '$' and the results will be equivalent.",
        );
      }
      if (isPlainDocument(value) || !includedOrExcluded(value)) {
        throw located(31395, 'positional projection cannot be used with exclusion');
      }
      if (positional !== undefined) throw notSupported('more than one positional projection');
      positional = base;
      setMode('include', path);
      insert(tree, base, true);
      continue;
    }
    if (isPlainDocument(value)) {
      const op = Object.keys(value)[0];
      if (op === '$slice' && Object.keys(value).length === 1) {
        insert(tree, path, { slice: parseSlice(value.$slice) });
        continue;
      }
      if (op === '$elemMatch' && Object.keys(value).length === 1) {
        elemMatches.push(elemMatchProjection(path, value.$elemMatch));
        continue;
      }
      throw notSupported(
        op?.startsWith('$') ? `projection operator ${op}` : 'computed projection field',
      );
    }
    const included = includedOrExcluded(value);
    if (path === '_id') {
      idMode = included;
      continue;
    }
    setMode(included ? 'include' : 'exclude', path);
    insert(tree, path, true);
  }
  if (positional !== undefined && elemMatches.length > 0) {
    throw notSupported('positional projection together with $elemMatch');
  }
  if (elemMatches.length > 0) {
    // An $elemMatch projection alone includes only its field (and _id), as MongoDB answers.
    if (mode === 'exclude') throw notSupported('$elemMatch in an exclusion projection');
    mode = 'include';
  }
  if (mode === undefined) mode = idMode === true ? 'include' : 'exclude';
  const positionalPath = positional;
  const positionalFilter = filter ?? {};
  const finish = (out: Document, doc: Document): Document => {
    for (const elemMatch of elemMatches) applyElemMatch(out, doc, elemMatch);
    if (positionalPath !== undefined) applyPositional(out, doc, positionalPath, positionalFilter);
    return out;
  };
  if (mode === 'include') {
    return (doc) => {
      const projected = include(doc, tree) as Document;
      if (idMode === false || doc._id === undefined) return finish(projected, doc);
      return finish({ _id: doc._id, ...projected }, doc);
    };
  }
  if (idMode === false) tree.set('_id', true);
  return (doc) => finish(exclude(doc, tree) as Document, doc);
}
