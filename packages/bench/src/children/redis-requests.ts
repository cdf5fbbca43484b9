import { Redis } from 'ioredis';

/** Requests sent by this process's ioredis clients so far, by command. */
const requests: Record<string, number> = {};

/** A copy of the counts so far. */
export function redisRequests(): Record<string, number> {
  return { ...requests };
}

/**
 * Counts the requests of every ioredis client of this process (BullMQ's too: they share the
 * module): one per command sent on its own, one per pipeline (its commands travel together).
 * Redis's own command counters cannot be used: they also count each command a Lua script runs,
 * and BullMQ's work is Lua scripts.
 */
export function countRedisRequests(): void {
  const send = Redis.prototype.sendCommand;
  const pipelines = new WeakSet<object>();
  Redis.prototype.sendCommand = function (this: Redis, ...args: Parameters<typeof send>) {
    const [command, stream] = args;
    if (stream === undefined) {
      requests[command.name] = (requests[command.name] ?? 0) + 1;
    } else if (!pipelines.has(stream)) {
      pipelines.add(stream);
      requests.pipeline = (requests.pipeline ?? 0) + 1;
    }
    return send.apply(this, args);
  };
}
