import type { Document } from 'bson';
import { CommandError } from '../../errors.js';
import { MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_SIZE_BYTES } from '../../wire/opcodes.js';
import type { ServerCommandContext, ServerCommandHandler } from './server-context.js';
import {
  ELECTION_ID,
  LOGICAL_SESSION_TIMEOUT_MINUTES,
  MAX_WIRE_VERSION,
  MAX_WRITE_BATCH_SIZE,
  MIN_WIRE_VERSION,
  SET_VERSION,
  TERM,
} from './server-info.js';

/**
 * `hello` (and the legacy `isMaster`/`ismaster`): the handshake and monitoring command. Reports a
 * writable primary of a one-member replica set, or a standalone. Never reports `topologyVersion`,
 * so drivers poll rather than stream (the emulator does not implement awaitable hello).
 */
export const hello: ServerCommandHandler = (command, context) => {
  recordClientMetadata(command, context);
  const legacy = context.commandName !== 'hello';
  const reply: Document = {};
  const { replicaSet, host, port } = context.server;
  const me = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  if (replicaSet !== false) {
    reply.hosts = [me];
    reply.setName = replicaSet;
    reply.setVersion = SET_VERSION;
  }
  reply[legacy ? 'ismaster' : 'isWritablePrimary'] = true;
  if (replicaSet !== false) {
    const now = context.clock.now();
    const wallTime = new Date(now.high * 1000);
    reply.secondary = false;
    reply.primary = me;
    reply.me = me;
    reply.electionId = ELECTION_ID;
    reply.lastWrite = {
      opTime: { ts: now, t: TERM },
      lastWriteDate: wallTime,
      majorityOpTime: { ts: now, t: TERM },
      majorityWriteDate: wallTime,
    };
  }
  if (command.helloOk === true) reply.helloOk = true;
  reply.maxBsonObjectSize = MAX_BSON_OBJECT_SIZE;
  reply.maxMessageSizeBytes = MAX_MESSAGE_SIZE_BYTES;
  reply.maxWriteBatchSize = MAX_WRITE_BATCH_SIZE;
  reply.localTime = new Date();
  reply.logicalSessionTimeoutMinutes = LOGICAL_SESSION_TIMEOUT_MINUTES;
  reply.connectionId = context.connectionId;
  reply.minWireVersion = MIN_WIRE_VERSION;
  reply.maxWireVersion = MAX_WIRE_VERSION;
  reply.readOnly = false;
  return reply;
};

function recordClientMetadata(command: Document, context: ServerCommandContext): void {
  const client: unknown = command.client;
  if (client === undefined) return;
  if (client === null || typeof client !== 'object') {
    throw new CommandError(14, "BSON field 'client' is the wrong type, expected type 'object'");
  }
  if (context.connection.clientMetadata !== undefined) {
    throw new CommandError(
      186,
      'The client metadata document may only be sent in the first hello',
      {
        codeName: 'ClientMetadataCannotBeMutated',
      },
    );
  }
  const application: unknown = (client as Document).application;
  const name: unknown =
    application !== null && typeof application === 'object'
      ? (application as Document).name
      : undefined;
  context.connection.clientMetadata = {
    document: client as Document,
    ...(typeof name === 'string' ? { appName: name } : {}),
  };
}
