import type { Document } from 'bson';
import { badValue, CommandError, ErrorCode, typeMismatch } from '../errors.js';
import { bsonTypeOf, isPlainDocument } from '../query/bson-types.js';
import { compileFilter } from '../query/matcher.js';
import { validationErrorDetails } from '../query/validation-error.js';
import { parseValidator, type ValidatorNode } from '../query/validator-tree.js';

/** Which writes a validator checks. */
export type ValidationLevel = 'strict' | 'moderate' | 'off';
/** What a failed validation does. */
export type ValidationAction = 'error' | 'warn';

const LEVELS: readonly string[] = ['strict', 'moderate', 'off'];
const ACTIONS: readonly string[] = ['error', 'warn'];

/** A collection's compiled document validation (from its `validator`, `validationLevel`, `validationAction` options). */
export interface CollectionValidation {
  readonly tree: ValidatorNode;
  readonly level: ValidationLevel;
  readonly action: ValidationAction;
}

/** Checks the validation options of `create`/`collMod` (`command` names the command in errors). */
export function checkValidationOptions(options: Document, command: string): void {
  const { validator, validationLevel, validationAction } = options;
  if (validator !== undefined) {
    if (!isPlainDocument(validator)) {
      throw typeMismatch(
        `BSON field '${command}.validator' is the wrong type '${bsonTypeOf(validator)}', expected type 'object'`,
      );
    }
    compileFilter(validator);
    parseValidator(validator);
  }
  checkEnum(validationLevel, LEVELS, `${command}.validationLevel`);
  checkEnum(validationAction, ACTIONS, `${command}.validationAction`);
}

function checkEnum(value: unknown, allowed: readonly string[], field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string') {
    throw typeMismatch(
      `BSON field '${field}' is the wrong type '${bsonTypeOf(value)}', expected type 'string'`,
    );
  }
  if (!allowed.includes(value)) {
    throw badValue(`Enumeration value '${value}' for field '${field}' is not a valid value.`);
  }
}

/** The validation a collection with these options applies, if any. */
export function compileValidation(options: Document): CollectionValidation | undefined {
  const validator = options.validator;
  if (!isPlainDocument(validator) || Object.keys(validator).length === 0) return undefined;
  return {
    tree: parseValidator(validator),
    level: (options.validationLevel as ValidationLevel | undefined) ?? 'strict',
    action: (options.validationAction as ValidationAction | undefined) ?? 'error',
  };
}

/**
 * Applies a collection's validation to a write: `after` is the document to store, `before` the
 * version it replaces (undefined for an insert). Throws DocumentValidationFailure (121) with
 * MongoDB's `errInfo` when the write must be refused.
 */
export function validateWrite(
  validation: CollectionValidation | undefined,
  after: Document,
  before: Document | undefined,
): void {
  if (validation === undefined || validation.level === 'off' || validation.action === 'warn') {
    return;
  }
  const { tree } = validation;
  if (tree.matches(after)) return;
  // moderate: updates to documents that already fail the validator are not checked.
  if (validation.level === 'moderate' && before !== undefined && !tree.matches(before)) return;
  throw new CommandError(ErrorCode.DocumentValidationFailure, 'Document failed validation', {
    extra: {
      errInfo: { failingDocumentId: after._id, details: validationErrorDetails(tree, after) },
    },
  });
}
