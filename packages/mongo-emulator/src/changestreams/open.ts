import type { Document } from 'bson';
import type { CommandContext } from '../commands/context.js';
import { notSupported } from '../errors.js';

/**
 * CONTRACT STUB — answers an `aggregate` whose pipeline starts with `$changeStream`
 * (`command` is the whole aggregate command). Returns the reply without `ok`: `{cursor: {...}}`.
 */
export async function openChangeStream(
  command: Document,
  context: CommandContext,
): Promise<Document> {
  void command;
  void context;
  throw notSupported('$changeStream');
}
