import { CommandError } from '../../errors.js';
import type { ServerCommandHandler } from './server-context.js';

/**
 * `configureFailPoint` (test command): enables, changes or disables a fail point. Only on the
 * `admin` database, as in mongod.
 */
export const configureFailPoint: ServerCommandHandler = (command, context) => {
  if (context.dbName !== 'admin') {
    throw new CommandError(13, 'configureFailPoint may only be run against the admin database.', {
      codeName: 'Unauthorized',
    });
  }
  return context.failPoints.configure(command);
};
