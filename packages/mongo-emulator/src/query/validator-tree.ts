import type { Document } from 'bson';
import { notSupported } from '../errors.js';
import { compileJsonSchema, type JsonSchema } from './json-schema.js';
import { compileFilter, type Predicate } from './matcher.js';
import { asNumber } from './numeric.js';
import { isOperatorObject } from './operator-object.js';
import { isRegexValue } from './regex.js';

/** The leaf operators a validator may use (those whose failure the emulator explains as MongoDB does). */
export type LeafOperator =
  | '$eq'
  | '$gt'
  | '$gte'
  | '$lt'
  | '$lte'
  | '$in'
  | '$exists'
  | '$type'
  | '$regex'
  | '$size';

/** One node of a parsed validator, as MongoDB's match expression tree has it. */
export type ValidatorNode =
  | {
      readonly kind: '$and' | '$or' | '$nor';
      readonly children: readonly ValidatorNode[];
      readonly matches: Predicate;
    }
  | {
      readonly kind: '$jsonSchema';
      readonly schema: JsonSchema;
      readonly matches: Predicate;
    }
  | {
      readonly kind: 'leaf';
      readonly operator: LeafOperator;
      readonly path: string;
      /** What MongoDB reports as `specifiedAs`. */
      readonly specifiedAs: Document;
      readonly matches: Predicate;
    };

const LEAF_OPERATORS = new Set<string>([
  '$eq',
  '$gt',
  '$gte',
  '$lt',
  '$lte',
  '$in',
  '$exists',
  '$type',
  '$size',
]);

function truthy(value: unknown): boolean {
  if (value === false || value === null || value === undefined) return false;
  const n = asNumber(value);
  return n === undefined || n !== 0;
}

function leaf(operator: LeafOperator, path: string, specifiedAs: Document): ValidatorNode {
  return { kind: 'leaf', operator, path, specifiedAs, matches: compileFilter(specifiedAs) };
}

function tree(
  kind: '$and' | '$or' | '$nor',
  children: ValidatorNode[],
  filter: Document,
): ValidatorNode {
  return { kind, children, matches: compileFilter(filter) };
}

function parseField(path: string, value: unknown, into: ValidatorNode[]): void {
  if (isOperatorObject(value)) {
    let regexDone = false;
    for (const [operator, argument] of Object.entries(value)) {
      if (operator === '$regex' || operator === '$options') {
        if (!regexDone) into.push(leaf('$regex', path, { [path]: value }));
        regexDone = true;
        continue;
      }
      if (!LEAF_OPERATORS.has(operator)) throw notSupported(`the validator operator '${operator}'`);
      // `$exists: false` is a negation in MongoDB's tree, explained differently: not modelled.
      if (operator === '$exists' && !truthy(argument)) {
        throw notSupported("the validator operator '$exists: false'");
      }
      into.push(leaf(operator as LeafOperator, path, { [path]: { [operator]: argument } }));
    }
    return;
  }
  if (isRegexValue(value)) {
    into.push(leaf('$regex', path, { [path]: value }));
    return;
  }
  into.push(leaf('$eq', path, { [path]: value }));
}

/**
 * Parses a query-operator validator into MongoDB's tree: a document's predicates form an implicit
 * `$and` (collapsed when it has one member), each field operator is a leaf. Operators whose
 * failure the emulator cannot explain as MongoDB does (`$expr`, `$not`, …) answer
 * not supported.
 */
export function parseValidator(validator: Document): ValidatorNode {
  const children: ValidatorNode[] = [];
  for (const [key, value] of Object.entries(validator)) {
    if (key === '$comment') continue;
    if (key === '$and' || key === '$or' || key === '$nor') {
      const clauses = Array.isArray(value) ? value : [];
      const parsed = clauses.map((clause) => parseValidator(clause as Document));
      children.push(tree(key, parsed, { [key]: value }));
      continue;
    }
    if (key === '$jsonSchema') {
      const schema = compileJsonSchema(value);
      children.push({ kind: '$jsonSchema', schema, matches: (doc) => schema.matches(doc) });
      continue;
    }
    if (key.startsWith('$')) throw notSupported(`the validator operator '${key}'`);
    parseField(key, value, children);
  }
  const only = children[0];
  if (children.length === 1 && only !== undefined) return only;
  return tree('$and', children, validator);
}
