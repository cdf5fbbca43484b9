/**
 * A malformed or unsupported wire message. MongoDB answers these by closing the connection, and so
 * does the emulator.
 */
export class WireProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WireProtocolError';
  }
}
