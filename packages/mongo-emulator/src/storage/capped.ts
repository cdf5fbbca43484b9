import { type Document, Long } from 'bson';
import { CommandError, ErrorCode, notSupported } from '../errors.js';
import { bsonTypeOf } from '../query/bson-types.js';
import { asNumber, toNumeric } from '../query/numeric.js';

/** A capped collection's limits: total BSON size of its documents, and optionally a count. */
export interface CappedLimits {
  size: number;
  max: number | undefined;
}

const ONE_PB = 1024 ** 5;
const MAX_DOCS_DEFAULT = 0x7fffffff;

/** How `listCollections` shows a number MongoDB appends with `appendNumber` (int up to 2^30). */
function appendNumber(n: number): number | Long {
  return Math.abs(n) <= 2 ** 30 ? n : Long.fromNumber(n);
}

function numberField(command: Document, field: string): number | undefined {
  const value = command[field];
  if (value === undefined || value === null) return undefined;
  if (toNumeric(value) === undefined) {
    // MongoDB's message, quote included.
    throw new CommandError(
      ErrorCode.TypeMismatch,
      `BSON field 'create.${field}' is the wrong type '${bsonTypeOf(value)}', expected types '[long, int, decimal, double']`,
    );
  }
  return Math.trunc(asNumber(value) as number);
}

/**
 * The capped options of a `create` (`capped`, `size`, `max`) as the collection's options show them
 * (`{capped: true, size, max?}`, `size` rounded up to a multiple of 256 bytes), or an empty
 * document for an uncapped collection.
 */
export function parseCappedOptions(command: Document): Document {
  const cappedValue = command.capped;
  let capped = false;
  if (cappedValue !== undefined && cappedValue !== null) {
    if (typeof cappedValue === 'boolean') capped = cappedValue;
    else if (toNumeric(cappedValue) !== undefined) capped = asNumber(cappedValue) !== 0;
    else {
      throw new CommandError(
        ErrorCode.TypeMismatch,
        `BSON field 'create.capped' is the wrong type '${bsonTypeOf(cappedValue)}', expected types '[bool, long, int, decimal, double']`,
      );
    }
  }
  const size = numberField(command, 'size');
  const max = numberField(command, 'max');
  if (size !== undefined && size < 1) {
    throw new CommandError(51024, `BSON field 'size' value must be >= 1, actual value '${size}'`, {
      codeName: 'Location51024',
    });
  }
  if (capped && size === undefined) {
    throw new CommandError(
      ErrorCode.InvalidOptions,
      "the 'size' field is required when 'capped' is true",
    );
  }
  if (!capped && (size !== undefined || max !== undefined)) {
    throw new CommandError(
      ErrorCode.InvalidOptions,
      "the 'capped' field needs to be true when either the 'size' or 'max' fields are present",
    );
  }
  if (!capped || size === undefined) return {};
  if (size > ONE_PB) throw notSupported('a capped size above 1 PB');
  if (max !== undefined && max >= 2 ** 31) throw notSupported('a capped max of 2^31 or more');
  const options: Document = { capped: true, size: appendNumber(Math.ceil(size / 256) * 256) };
  if (max !== undefined) options.max = appendNumber(max <= 0 ? MAX_DOCS_DEFAULT : max);
  return options;
}

/** The limits of a collection with these options, when it is capped. */
export function cappedLimits(options: Document): CappedLimits | undefined {
  if (options.capped !== true) return undefined;
  const size = asNumber(options.size) ?? 0;
  const max = options.max === undefined ? undefined : asNumber(options.max);
  return { size, max };
}
