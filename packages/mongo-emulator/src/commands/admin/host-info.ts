import { arch, cpus, hostname, platform, release, totalmem, type } from 'node:os';
import type { ServerCommandHandler } from './server-context.js';

/** `hostInfo`: a minimal description of the machine the emulator runs on. */
export const hostInfo: ServerCommandHandler = () => ({
  system: {
    currentTime: new Date(),
    hostname: hostname(),
    cpuAddrSize: 64,
    memSizeMB: Math.round(totalmem() / (1024 * 1024)),
    numCores: cpus().length,
    cpuArch: arch(),
    numaEnabled: false,
  },
  os: { type: type(), name: platform(), version: release() },
  extra: {},
});
