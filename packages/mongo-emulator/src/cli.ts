#!/usr/bin/env node
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MongoEmulator, type MongoEmulatorOptions } from './server.js';

/** What the command line asks for. */
export interface CliArguments {
  options: MongoEmulatorOptions;
  help: boolean;
}

const USAGE = `Usage: mongo-emulator [--port 27017] [--host 127.0.0.1] [--standalone | --replica-set NAME]

Runs an in-memory MongoDB 7.0 emulator and prints its connection URI. Stops on Ctrl-C.

  --port N             TCP port (0 picks a free one; default 27017)
  --host ADDRESS       address to listen on (default 127.0.0.1)
  --replica-set NAME   report a one-member replica set NAME (default rs0)
  --standalone         report a standalone server instead of a replica set
  --help               print this help`;

/**
 * Parses the command line (without `node` and the script).
 * @throws Error for unknown or invalid arguments.
 */
export function parseCliArguments(argv: readonly string[]): CliArguments {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      'replica-set': { type: 'string' },
      standalone: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
    allowPositionals: false,
  });
  const port = values.port === undefined ? 27017 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`invalid --port '${values.port}'`);
  }
  if (values.standalone && values['replica-set'] !== undefined) {
    throw new Error('--standalone and --replica-set exclude each other');
  }
  const options: MongoEmulatorOptions = {
    port,
    replicaSet: values.standalone ? false : (values['replica-set'] ?? 'rs0'),
  };
  if (values.host !== undefined) options.host = values.host;
  return { options, help: values.help === true };
}

/**
 * Runs the CLI: starts the server, prints its URI on stdout, and stops it on SIGINT/SIGTERM.
 * Resolves with the process exit code once the server stopped.
 */
export async function main(
  argv: readonly string[],
  io: {
    out: (line: string) => void;
    err: (line: string) => void;
    /** Registers the stop signals; returns a function that removes them. */
    onStopSignal: (stop: () => void) => () => void;
  },
): Promise<number> {
  let parsed: CliArguments;
  try {
    parsed = parseCliArguments(argv);
  } catch (error) {
    io.err(`mongo-emulator: ${error instanceof Error ? error.message : String(error)}`);
    io.err(USAGE);
    return 2;
  }
  if (parsed.help) {
    io.out(USAGE);
    return 0;
  }
  const server = await MongoEmulator.start(parsed.options);
  io.out(server.uri);
  await new Promise<void>((resolve) => {
    const remove = io.onStopSignal(() => {
      remove();
      resolve();
    });
  });
  await server.stop();
  return 0;
}

function processStopSignals(stop: () => void): () => void {
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
}

/** True when this module is the program (`mongo-emulator` or `node dist/cli.mjs`), not an import. */
function isProgram(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isProgram()) {
  main(process.argv.slice(2), {
    out: (line) => process.stdout.write(`${line}\n`),
    err: (line) => process.stderr.write(`${line}\n`),
    onStopSignal: processStopSignals,
  }).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error('mongo-emulator:', error);
      process.exitCode = 1;
    },
  );
}
