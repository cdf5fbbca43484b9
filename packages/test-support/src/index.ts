/** Where the integration tests get their database: filled in with the emulator. */
export const SUBSTRATES = ['MONGODB_URI', 'testcontainers', 'emulator'] as const;
