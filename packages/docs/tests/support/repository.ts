import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GENERATED_CONTENT } from '../../src/plugins/source-hash.ts';

/** The repository's root directory. */
export const repositoryRoot = fileURLToPath(new URL('../../../../', import.meta.url)).replace(
  /[\\/]$/,
  '',
);

/** The docs site's pages, relative to the repository root. */
export const DOCS_CONTENT = 'packages/docs/src/content/docs';

function toPosix(path: string): string {
  return path.split(sep).join('/');
}

function listPages(directory: string, into: string[]): void {
  for (const entry of readdirSync(join(repositoryRoot, directory), { withFileTypes: true })) {
    const path = `${directory}/${entry.name}`;
    if (
      GENERATED_CONTENT.some((generated) => path === generated || path.startsWith(`${generated}/`))
    ) {
      continue;
    }
    if (entry.isDirectory()) {
      listPages(path, into);
    } else if (/\.mdx?$/.test(entry.name)) {
      into.push(path);
    }
  }
}

/**
 * The documents whose code blocks and facts are checked, relative to the repository root: every
 * page of the docs site written by hand (generated pages are left out; the emulator page comes
 * from the emulator's README, which is listed), the root README and each package's README.
 */
export function checkedDocuments(): string[] {
  const pages: string[] = [];
  listPages(DOCS_CONTENT, pages);
  const readmes = ['README.md'];
  for (const entry of readdirSync(join(repositoryRoot, 'packages'), { withFileTypes: true })) {
    const readme = `packages/${entry.name}/README.md`;
    if (entry.isDirectory() && existsSync(join(repositoryRoot, readme))) readmes.push(readme);
  }
  return [...readmes.sort(), ...pages.sort()];
}

/** A file of the repository, read as UTF-8. */
export function readRepositoryFile(path: string): string {
  return readFileSync(join(repositoryRoot, path), 'utf8');
}

/** A path relative to the repository root, with forward slashes. */
export function repositoryPath(absolute: string): string {
  return toPosix(relative(repositoryRoot, absolute));
}
