import { Monque } from '@monque/core';
import { type Collection, type Db, type Document, MongoClient } from 'mongodb';
import { type CancelOwnerConfig, machineNow } from './cancel-protocol.js';
import { isMessage, sendToParent } from './ipc.js';

// The instance that runs the jobs of the cancel scenario, in its own process: its handlers wait
// for their signal, and each reports the moment its signal aborted (on the machine's clock:
// performance.timeOrigin + performance.now(), comparable with the runner's). The runner cancels
// the jobs from another instance (its own process) and measures request → abort.
// Started by the runner with fork(); configured by its first message ('start').

/** A change stream the server refuses for good, as on a standalone server: the instance polls. */
function refusedStream(): unknown {
  return {
    tryNext: () =>
      Promise.reject(
        Object.assign(new Error('change streams are off for this run (polling mode)'), {
          code: 40573,
        }),
      ),
    close: async () => {},
  };
}

/** `db` whose collections refuse change streams. */
function withoutChangeStreams(db: Db): Db {
  return new Proxy(db, {
    get(target, property) {
      if (property === 'collection') {
        return (name: string, options?: Document) =>
          new Proxy(target.collection(name, options), {
            get(collection: Collection<Document>, key) {
              if (key === 'watch') return refusedStream;
              const value: unknown = Reflect.get(collection, key);
              return typeof value === 'function' ? value.bind(collection) : value;
            },
          });
      }
      const value: unknown = Reflect.get(target, property);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function start(config: CancelOwnerConfig): Promise<void> {
  const client = await new MongoClient(config.uri).connect();
  const db = client.db(config.dbName);
  const monque = new Monque(config.notify === 'polling' ? withoutChangeStreams(db) : db, {
    heartbeatInterval: config.heartbeatInterval,
    lockTimeout: 3 * config.heartbeatInterval,
  });
  monque.worker(
    config.jobName,
    (job, { signal }) =>
      new Promise<void>((_, reject) => {
        const jobId = job._id.toHexString();
        signal.addEventListener(
          'abort',
          () => {
            const at = machineNow();
            const reason =
              signal.reason instanceof Error ? signal.reason.name : String(signal.reason);
            sendToParent({ type: 'aborted', jobId, at, reason });
            reject(signal.reason);
          },
          { once: true },
        );
        sendToParent({ type: 'started', jobId });
      }),
    { concurrency: config.concurrency },
  );
  monque.on('job:cancelled', ({ job }) =>
    sendToParent({ type: 'cancelled', jobId: job._id.toHexString() }),
  );
  monque.on('job:error', ({ error }) =>
    sendToParent({ type: 'owner-error', message: `${error.name}: ${error.message}` }),
  );
  const listening = new Promise<string>((resolve) => {
    monque.once('changestream:connected', () => resolve('change stream'));
    monque.once('changestream:fallback', () => resolve('polling'));
  });
  await monque.start();
  sendToParent({ type: 'owner-ready', listening: await listening });
  process.on('message', (message: unknown) => {
    if (!isMessage(message) || message.type !== 'stop') return;
    void monque
      .stop()
      .then(() => client.close())
      .then(() => {
        sendToParent({ type: 'owner-stopped' });
        process.disconnect();
      });
  });
}

process.once('message', (message: unknown) => {
  if (isMessage(message) && message.type === 'start') {
    start(message as CancelOwnerConfig).catch((error: unknown) => {
      sendToParent({
        type: 'failed',
        message: error instanceof Error ? error.message : String(error),
      });
    });
  }
});
