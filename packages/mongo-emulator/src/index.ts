/** Version of the MongoDB server the emulator reports itself as. */
export const EMULATED_SERVER_VERSION = '7.0.0';
