import { type Document, ObjectId } from 'bson';
import { CommandError, ErrorCode } from '../../errors.js';
import type { ClientConnection } from '../../wire/connection.js';
import { MAX_BSON_OBJECT_SIZE, MAX_MESSAGE_SIZE_BYTES } from '../../wire/opcodes.js';
import { numericValue } from './numbers.js';
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
 * writable primary of a one-member replica set, or a standalone, with its `topologyVersion`.
 * Awaitable (`topologyVersion` + `maxAwaitTimeMS`, MongoDB's streaming monitoring protocol): when
 * the client's topology version is the server's current one, the reply waits until the topology
 * changes (never, for a lone primary) or `maxAwaitTimeMS` passes; sent with `exhaustAllowed`, it
 * keeps answering (see `wire/connection.ts`).
 */
export const hello: ServerCommandHandler = async (command, context) => {
  recordClientMetadata(command, context);
  const awaitMs = awaitableWait(command, context);
  if (awaitMs > 0) await waitOrClose(awaitMs, context.connection);
  const legacy = context.commandName !== 'hello';
  const reply: Document = {};
  if (command.helloOk === true) reply.helloOk = true;
  const { replicaSet, host, port } = context.server;
  const me = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  const topologyVersion = {
    processId: context.runtime.topologyVersion.processId,
    counter: context.runtime.topologyVersion.counter,
  };
  if (replicaSet !== false) {
    reply.topologyVersion = topologyVersion;
    reply.hosts = [me];
    reply.setName = replicaSet;
    reply.setVersion = SET_VERSION;
  }
  reply[legacy ? 'ismaster' : 'isWritablePrimary'] = true;
  if (replicaSet === false) reply.topologyVersion = topologyVersion;
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

/**
 * How long an awaitable hello waits before answering (0: answer now), validated as mongod does:
 * `topologyVersion` and `maxAwaitTimeMS` come together (31368), the counter and the wait are not
 * negative (31372, 31373), an exhaust hello is awaitable (51756), and a counter from this
 * process is not ahead of the server's (31382).
 */
function awaitableWait(command: Document, context: ServerCommandContext): number {
  const clientVersion: unknown = command.topologyVersion;
  const maxAwait: unknown = command.maxAwaitTimeMS;
  if (clientVersion === undefined || maxAwait === undefined) {
    if (clientVersion !== undefined || maxAwait !== undefined) {
      throw new CommandError(
        31368,
        clientVersion !== undefined
          ? "A request with a 'topologyVersion' must include 'maxAwaitTimeMS'"
          : "A request with 'maxAwaitTimeMS' must include a 'topologyVersion'",
      );
    }
    if (context.exhaustAllowed) {
      throw new CommandError(
        51756,
        "An isMaster or hello request with exhaust must specify 'maxAwaitTimeMS'",
      );
    }
    return 0;
  }
  if (!isDocument(clientVersion) || !(clientVersion.processId instanceof ObjectId)) {
    throw new CommandError(
      ErrorCode.TypeMismatch,
      "BSON field 'TopologyVersion.processId' is the wrong type, expected type 'objectId'",
    );
  }
  const counter = numericValue(clientVersion.counter);
  if (counter === undefined) {
    throw new CommandError(
      ErrorCode.TypeMismatch,
      "BSON field 'TopologyVersion.counter' is the wrong type, expected type 'long'",
    );
  }
  if (counter < 0)
    throw new CommandError(31372, 'topologyVersion must have a non-negative counter');
  const wait = numericValue(maxAwait);
  if (wait === undefined || !Number.isInteger(wait)) {
    throw new CommandError(ErrorCode.TypeMismatch, "The 'maxAwaitTimeMS' field must be an integer");
  }
  if (wait < 0) throw new CommandError(31373, 'maxAwaitTimeMS must be a non-negative integer');
  const current = context.runtime.topologyVersion;
  if (!clientVersion.processId.equals(current.processId)) return 0;
  const serverCounter = current.counter.toNumber();
  if (counter > serverCounter) {
    throw new CommandError(
      31382,
      `Received a topology version with the same process ID and a higher counter than the server's current topology version. Client topology version: {processId: ${clientVersion.processId.toHexString()}, counter: ${counter}}, server topology version: {processId: ${current.processId.toHexString()}, counter: ${serverCounter}}`,
    );
  }
  return counter < serverCounter ? 0 : wait;
}

/**
 * Waits `ms` (the topology of a lone primary never changes), or until the connection closes. The
 * global timer (so fake timers control it) is unref'd: a waiting monitor never keeps a process up.
 */
function waitOrClose(ms: number, connection: ClientConnection): Promise<void> {
  return new Promise((resolve) => {
    const stop = connection.onClose(() => {
      clearTimeout(timer);
      resolve();
    });
    const timer = setTimeout(() => {
      stop();
      resolve();
    }, ms);
    timer.unref?.();
  });
}

function isDocument(value: unknown): value is Document {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

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
