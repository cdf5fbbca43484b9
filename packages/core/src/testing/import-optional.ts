/**
 * Imports a package that may not be installed (an optional peer dependency). The specifier is a
 * variable, so bundlers and type checks leave the package out.
 *
 * @param specifier - The package name.
 * @returns The module namespace.
 * @throws The runtime's error when the package cannot be found or loaded.
 *
 * @example
 * ```ts
 * const emulator: unknown = await importOptional('@monque/mongo-emulator');
 * ```
 */
export async function importOptional(specifier: string): Promise<unknown> {
  return import(specifier);
}
