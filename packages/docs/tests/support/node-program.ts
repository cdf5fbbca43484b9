import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
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

/** Builds the published packages (`dist`), as `npm test` does first; Turborepo skips it when fresh. */
export async function buildPackages(): Promise<void> {
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
