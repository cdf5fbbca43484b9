import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'vitest';
import { repositoryRoot } from './repository.ts';

/** How a program ended. */
export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

/** A program running in a child process, its output collected. */
export interface RunningProgram {
  readonly child: ChildProcess;
  output(): string;
  readonly exit: Promise<Exit>;
  /** Resolves with the first match of `pattern` in the output; rejects if the program ends first. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpExecArray>;
  /** Resolves with how the program ended, or `undefined` when it is still running after `ms`. */
  exitWithin(ms: number): Promise<Exit | undefined>;
}

/**
 * Starts `command` with `args`. With `group`, the program leads a process group of its own, so
 * `killGroup` reaches the processes it starts (such as the server `npx` starts).
 */
export function startProgram(
  command: string,
  args: readonly string[],
  options: { cwd: string; env?: NodeJS.ProcessEnv; group?: boolean },
): RunningProgram {
  const child = spawn(command, [...args], {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.group === true,
  });
  let output = '';
  const listeners = new Set<() => void>();
  const append = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const listener of listeners) listener();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exit = new Promise<Exit>((resolve) => {
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  let ended = false;
  void exit.then(() => {
    ended = true;
    for (const listener of listeners) listener();
  });
  return {
    child,
    output: () => output,
    exit,
    waitForOutput(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const match = pattern.exec(output);
          if (match !== null) {
            done();
            resolve(match);
          } else if (ended) {
            done();
            reject(new Error(`the program ended without printing ${pattern}:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    async exitWithin(ms) {
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
      });
      try {
        return await Promise.race([exit, late]);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

/**
 * Preloaded into a program (`--require`, or imported first), it prints `SIGTERM listener
 * registered` once the program listens for SIGTERM, so a test sends the signal only then.
 */
export const SIGTERM_OBSERVER = `process.on('newListener', (event) => {
  if (event === 'SIGTERM') console.log('SIGTERM listener registered');
});
`;

/**
 * Sends SIGTERM once the program listens for it (see {@link SIGTERM_OBSERVER}) and checks that the
 * program then ends by itself, with exit code 0, within `boundMs`. The bound only tells a program
 * that ends from one that never does (such as one whose database client is left open).
 */
export async function expectEndsOnSigterm(program: RunningProgram, boundMs: number): Promise<void> {
  await program.waitForOutput(/SIGTERM listener registered/, 30_000);
  program.child.kill('SIGTERM');
  const exit = await program.exitWithin(boundMs);
  expect(exit, `still running ${boundMs} ms after SIGTERM:\n${program.output()}`).toEqual({
    code: 0,
    signal: null,
  });
}

/** Sends `signal` to the process group a program leads (see `startProgram`'s `group`). */
export function killGroup(program: RunningProgram, signal: NodeJS.Signals): void {
  const { pid } = program.child;
  if (pid === undefined) return;
  try {
    process.kill(-pid, signal);
  } catch {
    // The group has already ended.
  }
}

/** The packages whose build (`dist`) the programs load. */
const BUILT_PACKAGES = ['core', 'mongo-emulator'];

/** The modification times of the files at `path` (a file, or every file below a folder). */
function modificationTimes(path: string): number[] {
  if (!existsSync(path)) return [];
  const stats = statSync(path);
  if (!stats.isDirectory()) return [stats.mtimeMs];
  return readdirSync(path).flatMap((entry) => modificationTimes(join(path, entry)));
}

/** Whether a package's `dist` was written after every file it is built from. */
function isBuilt(name: string): boolean {
  const root = join(repositoryRoot, 'packages', name);
  const outputs = modificationTimes(join(root, 'dist'));
  const inputs = ['src', 'package.json', 'tsconfig.json', 'tsdown.config.ts'].flatMap((input) =>
    modificationTimes(join(root, input)),
  );
  return outputs.length > 0 && Math.min(...outputs) >= Math.max(...inputs);
}

/**
 * Builds the published packages (`dist`) unless they are newer than their sources — as they are
 * under `npm test`, which builds first, so test files running side by side do not rebuild them
 * while another one loads them.
 */
export async function buildPackages(): Promise<void> {
  if (BUILT_PACKAGES.every(isBuilt)) return;
  await promisify(execFile)(
    join(repositoryRoot, 'node_modules', '.bin', 'turbo'),
    [
      'run',
      'build',
      '--filter=@monque/core',
      '--filter=@monque/mongo-emulator',
      '--output-logs=errors-only',
    ],
    { cwd: repositoryRoot, maxBuffer: 16 * 1024 * 1024 },
  );
}
