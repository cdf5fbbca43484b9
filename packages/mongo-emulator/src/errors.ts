import type { Document } from 'bson';

/** MongoDB server error codes the emulator answers with (names as MongoDB's `codeName`). */
export const ErrorCode = {
  InternalError: 1,
  BadValue: 2,
  NoSuchKey: 4,
  FailedToParse: 9,
  Unauthorized: 13,
  TypeMismatch: 14,
  InvalidLength: 16,
  IllegalOperation: 20,
  NamespaceNotFound: 26,
  IndexNotFound: 27,
  ConflictingUpdateOperators: 40,
  CursorNotFound: 43,
  NamespaceExists: 48,
  MaxTimeMSExpired: 50,
  DollarPrefixedFieldName: 52,
  InvalidIdField: 53,
  CommandNotFound: 59,
  ImmutableField: 66,
  InvalidOptions: 72,
  InvalidNamespace: 73,
  IndexOptionsConflict: 85,
  IndexKeySpecsConflict: 86,
  CommandNotSupported: 115,
  DocumentValidationFailure: 121,
  InvalidPipelineOperator: 168,
  AmbiguousIndexKeyPattern: 181,
  NotImplemented: 238,
  BSONObjectTooLarge: 10334,
  DuplicateKey: 11000,
  Interrupted: 11601,
  Location17419: 17419,
  Location40573: 40573,
} as const;

/** Reverse lookup: code → codeName. */
export const codeNames: ReadonlyMap<number, string> = new Map(
  Object.entries(ErrorCode).map(([name, code]) => [code, name]),
);

/**
 * An error a command answers with: becomes `{ok: 0, errmsg, code, codeName, errorLabels?, ...extra}`.
 * Throw it from any command handler; the dispatcher turns it into the reply.
 */
export class CommandError extends Error {
  readonly code: number;
  readonly codeName: string;
  readonly errorLabels: string[];
  /** Extra reply fields, e.g. `keyPattern`/`keyValue` for a duplicate key. */
  readonly extra: Document;

  constructor(
    code: number,
    message: string,
    options: { codeName?: string; errorLabels?: string[]; extra?: Document } = {},
  ) {
    super(message);
    this.name = 'CommandError';
    this.code = code;
    this.codeName = options.codeName ?? codeNames.get(code) ?? `Location${code}`;
    this.errorLabels = options.errorLabels ?? [];
    this.extra = options.extra ?? {};
  }

  /** The error reply document. */
  toReply(): Document {
    const reply: Document = {
      ok: 0,
      errmsg: this.message,
      code: this.code,
      codeName: this.codeName,
      ...this.extra,
    };
    if (this.errorLabels.length > 0) reply.errorLabels = this.errorLabels;
    return reply;
  }
}

/**
 * The answer for anything MongoDB has but the emulator does not implement: a clear `ok: 0`,
 * never a silently different result.
 */
export function notSupported(
  what: string,
  code: number = ErrorCode.CommandNotSupported,
): CommandError {
  return new CommandError(code, `${what} is not supported by mongo-emulator`);
}

/** A `BadValue` (2) error. */
export function badValue(message: string): CommandError {
  return new CommandError(ErrorCode.BadValue, message);
}

/** A `TypeMismatch` (14) error. */
export function typeMismatch(message: string): CommandError {
  return new CommandError(ErrorCode.TypeMismatch, message);
}
