import type { Document } from 'bson';
import { notSupported } from '../../errors.js';
import { setField } from '../../query/fields.js';
import type { ServerCommandContext, ServerCommandHandler } from './server-context.js';
import { FEATURE_COMPATIBILITY_VERSION } from './server-info.js';

/** The parameters `getParameter` answers, by name. */
const PARAMETERS = new Map<string, (context: ServerCommandContext) => unknown>([
  ['featureCompatibilityVersion', () => ({ version: FEATURE_COMPATIBILITY_VERSION })],
  ['enableTestCommands', () => true],
  ['transactionLifetimeLimitSeconds', (context) => context.transactions.lifetimeLimitSeconds],
]);

/** Command fields that are options of `getParameter`, not parameter names. */
const OPTION_FIELDS = new Set([
  'getParameter',
  'comment',
  'lsid',
  '$db',
  '$readPreference',
  '$clusterTime',
  'apiVersion',
  'apiStrict',
  'apiDeprecationErrors',
]);

/**
 * `getParameter`: answers `featureCompatibilityVersion`, `enableTestCommands` and
 * `transactionLifetimeLimitSeconds`; any other parameter (and `getParameter: '*'`) answers not
 * supported.
 */
export const getParameter: ServerCommandHandler = (command, context) => {
  if (command.getParameter === '*') throw notSupported("getParameter '*'");
  const reply: Document = {};
  for (const name of Object.keys(command)) {
    if (OPTION_FIELDS.has(name)) continue;
    const read = PARAMETERS.get(name);
    if (read === undefined) throw notSupported(`getParameter '${name}'`);
    setField(reply, name, read(context));
  }
  if (Object.keys(reply).length === 0) {
    throw notSupported('getParameter without a parameter name');
  }
  return reply;
};
