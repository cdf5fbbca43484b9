import { InvalidArgumentError } from '../errors.js';

/**
 * Checks the options argument of a method: `undefined` or a plain object with only `known` keys
 * (so a typo such as `{ runat }` fails instead of being ignored).
 *
 * @returns The options as a record to read the known keys from.
 * @throws InvalidArgumentError naming `argument` (such as `'options'`) or the unknown key.
 */
export function readCallOptions<K extends string>(
  options: unknown,
  known: readonly K[],
  argument = 'options',
): Partial<Record<K, unknown>> {
  if (options === undefined) {
    return {};
  }
  if (typeof options !== 'object' || options === null || Array.isArray(options)) {
    throw new InvalidArgumentError(argument, 'must be an object or undefined', options);
  }
  const read: Partial<Record<K, unknown>> = {};
  for (const [key, value] of Object.entries(options)) {
    if (!(known as readonly string[]).includes(key)) {
      throw new InvalidArgumentError(
        `${argument}.${key}`,
        `is not a known option (known: ${known.join(', ')})`,
        value,
      );
    }
    // A copy, so the caller cannot change a value after it was checked.
    read[key as K] = value;
  }
  return read;
}
