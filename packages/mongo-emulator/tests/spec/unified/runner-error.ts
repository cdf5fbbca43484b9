/**
 * A failure of the runner itself (an operation or entity kind it does not implement, an entity of
 * the wrong type, an iteration that never settled). It is never the error a test expects: a case
 * that ends in one fails, whatever its `expectError` says.
 */
export class RunnerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RunnerError';
  }
}
