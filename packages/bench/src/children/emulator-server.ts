import { subscribe } from 'node:diagnostics_channel';
import type { Socket } from 'node:net';
import { MongoEmulator } from '@monque/mongo-emulator';
import type { ProfileSummary } from '../report/profile.js';
import { isMessage, sendToParent } from './ipc.js';
import { Profiler } from './profiler.js';
import { WireCounter } from './wire-counter.js';

// The benchmark's database server: the mongo-emulator in its own process, so that the server and
// the schedulers under test do not share one event loop (as with a real mongod). It counts the
// requests it is sent, by command, on the server side (every accepted connection's bytes are read
// a second time, headers only), and reports them with its CPU time when the runner asks.
// Started by the runner with fork(); stops when the runner disconnects or exits.

const byCommand: Record<string, number> = {};
const count = (command: string): void => {
  byCommand[command] = (byCommand[command] ?? 0) + 1;
};
subscribe('net.server.socket', (message) => {
  const { socket } = message as { socket: Socket };
  const counter = new WireCounter(count);
  socket.on('data', (chunk: Buffer) => counter.onData(chunk));
});

const server = await MongoEmulator.start({ port: 0, replicaSet: 'rs0' });
let profiler: Profiler | undefined;
let stopping = false;
const stop = (): void => {
  if (stopping) {
    return;
  }
  stopping = true;
  void server.stop().finally(() => process.exit(0));
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
process.on('message', (message: unknown) => {
  if (!isMessage(message)) {
    return;
  }
  if (message.type === 'counts') {
    const cpu = process.cpuUsage();
    sendToParent({
      type: 'counts',
      byCommand: { ...byCommand },
      serverCpuUs: cpu.user + cpu.system,
    });
  } else if (message.type === 'profile-start') {
    profiler = new Profiler();
    void profiler.start().then(() => sendToParent({ type: 'profile-started' }));
  } else if (message.type === 'profile-stop' && profiler !== undefined) {
    const running = profiler;
    profiler = undefined;
    void running
      .stop('emulator server')
      .then((profile: ProfileSummary) => sendToParent({ type: 'profile', profile }));
  }
});
sendToParent({ type: 'server-ready', uri: server.uri });
