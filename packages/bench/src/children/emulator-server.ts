import { MongoEmulator } from '@monque/mongo-emulator';
import { sendToParent } from './ipc.js';

// The benchmark's database server: the mongo-emulator in its own process, so that the server and
// the schedulers under test do not share one event loop (as with a real mongod). Started by the
// runner with fork(); stops when the runner disconnects or exits.
const server = await MongoEmulator.start({ port: 0, replicaSet: 'rs0' });
let stopping = false;
const stop = (): void => {
  if (stopping) {
    return;
  }
  stopping = true;
  // A profile (--cpu-prof) is written on a normal exit, so exit instead of being killed.
  void server.stop().finally(() => process.exit(0));
};
process.on('disconnect', stop);
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
sendToParent({ type: 'server-ready', uri: server.uri });
