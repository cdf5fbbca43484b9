import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repositoryRoot = fileURLToPath(new URL('../../../..', import.meta.url));

/**
 * The tests load built code: this package's browser files (dist/assets) and command
 * (dist/cli.mjs), @monque/core's dist, and the demo (@monque/examples, which depends on this
 * package). Build them first; Turborepo's cache makes this quick when nothing changed (as under
 * `npm test`, which has just built everything).
 */
export default async function buildOnce(): Promise<void> {
  await promisify(execFile)(
    join(repositoryRoot, 'node_modules', '.bin', 'turbo'),
    ['run', 'build', '--filter=@monque/examples...', '--output-logs=errors-only'],
    { cwd: repositoryRoot, maxBuffer: 16 * 1024 * 1024 },
  );
}
