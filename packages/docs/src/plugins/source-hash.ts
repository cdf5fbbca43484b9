import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

/**
 * What the site is built from, relative to the repository root: the site's own sources and the
 * files read while building it (the core sources for the API reference, the emulator README and
 * the latest benchmark results).
 */
export const SITE_INPUTS: readonly string[] = [
  'packages/docs/astro.config.ts',
  'packages/docs/package.json',
  'packages/docs/tsconfig.json',
  'packages/docs/typedoc.tsconfig.json',
  'packages/docs/public',
  'packages/docs/src',
  'packages/core/package.json',
  'packages/core/tsconfig.json',
  'packages/core/src',
  'packages/mongo-emulator/README.md',
  'packages/bench/results/latest.md',
  'tsconfig.base.json',
];

/** Pages written while building, relative to the repository root: never inputs. */
export const GENERATED_CONTENT: readonly string[] = [
  'packages/docs/src/content/docs/api',
  'packages/docs/src/content/docs/reference/benchmarks.md',
  'packages/docs/src/content/docs/reference/emulator.md',
];

/** The file that records what a build in `dist` was built from. */
export const BUILD_STAMP_FILE = 'build-stamp.json';

/** The content of {@link BUILD_STAMP_FILE}. */
export interface BuildStamp {
  /** {@link hashSiteInputs} when the build started. */
  readonly inputsHash: string;
  /** The `base` the site was built for. */
  readonly base: string;
}

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

function isGenerated(path: string): boolean {
  return GENERATED_CONTENT.some(
    (generated) => path === generated || path.startsWith(`${generated}/`),
  );
}

function listFiles(root: string, path: string, into: string[]): void {
  const absolute = join(root, path);
  if (!existsSync(absolute) || isGenerated(path)) {
    return;
  }
  if (statSync(absolute).isDirectory()) {
    for (const entry of readdirSync(absolute)) {
      listFiles(root, `${path}/${entry}`, into);
    }
  } else {
    into.push(path);
  }
}

/**
 * A SHA-256 over the names and contents of every file in {@link SITE_INPUTS} (generated pages
 * excluded), so a build can be matched to the sources it came from.
 *
 * @param repositoryRoot - The repository's root directory.
 */
export function hashSiteInputs(repositoryRoot: string): string {
  const files: string[] = [];
  for (const input of SITE_INPUTS) {
    listFiles(repositoryRoot, toPosix(input), files);
  }
  files.sort();
  const hash = createHash('sha256');
  for (const file of files) {
    hash.update(`${toPosix(relative(repositoryRoot, join(repositoryRoot, file)))}\0`);
    hash.update(readFileSync(join(repositoryRoot, file)));
    hash.update('\0');
  }
  return hash.digest('hex');
}
