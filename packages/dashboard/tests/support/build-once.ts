import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const repositoryRoot = fileURLToPath(new URL('../../../..', import.meta.url));

/**
 * The tests load the built browser files (dist/assets), the command (dist/cli.mjs) and
 * @monque/core's dist: build them first. Turborepo's cache makes this quick when nothing changed
 * (as under `npm test`, which has just built everything).
 */
export default async function buildOnce(): Promise<void> {
  await promisify(execFile)(
    join(repositoryRoot, 'node_modules', '.bin', 'turbo'),
    ['run', 'build', '--filter=@monque/dashboard...', '--output-logs=errors-only'],
    { cwd: repositoryRoot, maxBuffer: 16 * 1024 * 1024 },
  );
}
