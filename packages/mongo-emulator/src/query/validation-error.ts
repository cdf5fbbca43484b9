import type { Document } from 'bson';
import { type BsonValue, bsonTypeOf } from './bson-types.js';
import { pathValues } from './path.js';
import type { LeafOperator, ValidatorNode } from './validator-tree.js';

/**
 * MongoDB's `errInfo.details` for a document that fails a validator: why each failing part of the
 * validator failed (under `$nor` a clause fails by matching, and is explained that way).
 */
export function validationErrorDetails(node: ValidatorNode, doc: Document): Document {
  return explain(node, doc, false);
}

const REASONS: Readonly<Record<LeafOperator, readonly [string, string]>> = {
  $eq: ['comparison failed', 'comparison succeeded'],
  $gt: ['comparison failed', 'comparison succeeded'],
  $gte: ['comparison failed', 'comparison succeeded'],
  $lt: ['comparison failed', 'comparison succeeded'],
  $lte: ['comparison failed', 'comparison succeeded'],
  $in: ['no matching value found in array', 'matching value found in array'],
  $exists: ['path does not exist', 'path does exist'],
  $type: ['type did not match', 'type did match'],
  $regex: ['regular expression did not match', 'regular expression did match'],
  $size: ['array length was not equal to given size', 'array length was equal to given size'],
};

/** The types a leaf operator can match at all (a mismatch is reported as such). */
const EXPECTED_TYPES: Partial<Record<LeafOperator, readonly string[]>> = {
  $regex: ['regex', 'string', 'symbol'],
  $size: ['array'],
};

function explain(node: ValidatorNode, doc: Document, inverted: boolean): Document {
  if (node.kind === 'leaf') return explainLeaf(node, doc, inverted);
  if (node.kind === '$jsonSchema') {
    return inverted
      ? { operatorName: '$jsonSchema', reason: 'schema matched' }
      : node.schema.explain(doc);
  }
  const details: Document = { operatorName: node.kind };
  const clauses: Document[] = [];
  // Which clauses take part: an $and that failed names its failing clauses; an $or that
  // matched (inverted) names its matching ones; a $nor that failed names the matching ones.
  const childInverted = node.kind === '$nor' ? !inverted : inverted;
  const selective =
    (node.kind === '$and' && !inverted) ||
    (node.kind === '$or' && inverted) ||
    (node.kind === '$nor' && !inverted);
  for (const [index, child] of node.children.entries()) {
    if (selective && child.matches(doc) !== childInverted) continue;
    clauses.push({ index, details: explain(child, doc, childInverted) });
  }
  details[childInverted ? 'clausesSatisfied' : 'clausesNotSatisfied'] = clauses;
  return details;
}

/** The values a leaf considers at its path; undefined when the path is missing. */
function consideredValues(
  doc: Document,
  path: string,
  traverseLeafArrays: boolean,
): BsonValue[] | undefined {
  const raw = pathValues(doc, path);
  if (!raw.some((value) => value !== undefined)) return undefined;
  const values: BsonValue[] = [];
  for (const value of raw) {
    if (value === undefined) continue;
    if (traverseLeafArrays && Array.isArray(value)) values.push(...value);
    else values.push(value);
  }
  return values;
}

function appendTypes(
  details: Document,
  values: readonly BsonValue[],
  single: string,
  plural: string,
): void {
  if (values.length === 0) return;
  const types = [...new Set(values.map((value) => bsonTypeOf(value)))].sort();
  if (types.length === 1) details[single] = types[0];
  else details[plural] = types;
}

function appendValues(details: Document, values: readonly BsonValue[]): void {
  if (values.length === 1) details.consideredValue = values[0];
  else details.consideredValues = [...values];
}

function explainLeaf(
  node: Extract<ValidatorNode, { kind: 'leaf' }>,
  doc: Document,
  inverted: boolean,
): Document {
  const [normal, invertedReason] = REASONS[node.operator];
  const details: Document = { operatorName: node.operator, specifiedAs: node.specifiedAs };
  const values = consideredValues(doc, node.path, node.operator !== '$size');
  if (node.operator === '$exists') {
    details.reason = inverted ? invertedReason : normal;
    return details;
  }
  if (values === undefined) {
    details.reason = 'field was missing';
    return details;
  }
  const expected = EXPECTED_TYPES[node.operator];
  if (expected !== undefined && !values.some((value) => expected.includes(bsonTypeOf(value)))) {
    details.reason = 'type did not match';
    appendTypes(details, values, 'consideredType', 'consideredTypes');
    if (expected.length === 1) details.expectedType = expected[0];
    else details.expectedTypes = [...expected];
    appendValues(details, values);
    return details;
  }
  details.reason = inverted ? invertedReason : normal;
  appendValues(details, values);
  if (node.operator === '$type') appendTypes(details, values, 'consideredType', 'consideredTypes');
  return details;
}
