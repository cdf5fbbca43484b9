import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A built example program running in a child process. */
export interface ProgramRun {
  child: ChildProcess;
  output: () => string;
  exit: Promise<number | null>;
}

/**
 * Starts `dist/<name>.mjs`: on `mongodbUri` (a connection string whose path names the database
 * the program uses) when given, else on its embedded emulator (MONGODB_URI unset).
 */
export function runProgram(name: string, mongodbUri?: string): ProgramRun {
  const path = fileURLToPath(new URL(`../dist/${name}.mjs`, import.meta.url));
  const env = { ...process.env };
  delete env.MONGODB_URI;
  if (mongodbUri !== undefined) env.MONGODB_URI = mongodbUri;
  const child = spawn(process.execPath, [path], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer): void => {
    output += chunk.toString();
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exit };
}

/** Resolves once the program has printed text matching `pattern`; returns the match. */
export function waitForOutput(
  run: ProgramRun,
  pattern: RegExp,
  timeoutMs: number,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    const onData = (): void => {
      const match = pattern.exec(run.output());
      if (!match) return;
      clearTimeout(timer);
      run.child.stdout?.off('data', onData);
      resolve(match);
    };
    const timer = setTimeout(() => {
      run.child.stdout?.off('data', onData);
      reject(new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${run.output()}`));
    }, timeoutMs);
    run.child.stdout?.on('data', onData);
    onData();
  });
}

/** Runs a program to its end; returns its exit code and everything it printed. */
export async function runToEnd(
  name: string,
  mongodbUri?: string,
): Promise<{ code: number | null; output: string }> {
  const run = runProgram(name, mongodbUri);
  const code = await run.exit;
  return { code, output: run.output() };
}

/** `uri` with `database` as its path (the database a program run on it uses). */
export function uriWithDatabase(uri: string, database: string): string {
  const queryStart = uri.indexOf('?');
  const base = queryStart === -1 ? uri : uri.slice(0, queryStart);
  const query = queryStart === -1 ? '' : uri.slice(queryStart);
  const hostsEnd = base.indexOf('/', base.indexOf('//') + 2);
  const hosts = hostsEnd === -1 ? base : base.slice(0, hostsEnd);
  return `${hosts}/${encodeURIComponent(database)}${query}`;
}
