import type { Admin } from 'mongodb';

let support: { available: boolean; reason: string } | undefined;

/**
 * Whether the server offers `failCommand` (the emulator does; mongod only with
 * `enableTestCommands=1`), and why not when it does not. Asked once per run.
 */
export async function failPoints(admin: Admin): Promise<{ available: boolean; reason: string }> {
  if (support === undefined) {
    try {
      await admin.command({ configureFailPoint: 'failCommand', mode: 'off' });
      support = { available: true, reason: '' };
    } catch (error) {
      support = {
        available: false,
        reason:
          'the server does not accept configureFailPoint ' +
          `(${error instanceof Error ? error.message : String(error)}); start mongod with ` +
          '--setParameter enableTestCommands=1 to run the fault injection',
      };
    }
  }
  return support;
}
