import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Document, EJSON } from 'bson';

/** One unified-format test file. */
export interface SpecFile {
  /** `suite/name.json`, e.g. `crud/find.json`. */
  name: string;
  content: SpecFileContent;
}

/** The parts of a unified test file the runner reads. */
export interface SpecFileContent {
  description: string;
  schemaVersion: string;
  runOnRequirements?: Document[];
  createEntities?: Document[];
  initialData?: Document[];
  tests: SpecTest[];
}

/** One test case of a file. */
export interface SpecTest {
  description: string;
  runOnRequirements?: Document[];
  skipReason?: string;
  operations: Document[];
  expectEvents?: Document[];
  outcome?: Document[];
}

/** Where the spec data is, or why it is not there. */
export type SpecLocation = { found: true; root: string } | { found: false; reason: string };

/**
 * Looks for `shared/mongo-spec` beside the checkout that holds `from` (a folder URL), or beside
 * any folder above it: a checkout may sit one level deeper (a worktree) than the shared folder.
 */
export function locateSpecs(from: URL): SpecLocation {
  const start = fileURLToPath(from);
  let folder = start;
  for (;;) {
    const candidate = join(folder, 'shared', 'mongo-spec');
    if (existsSync(candidate)) return { found: true, root: candidate };
    const parent = dirname(folder);
    if (parent === folder) break;
    folder = parent;
  }
  return {
    found: false,
    reason: `the MongoDB unified spec tests are not in shared/mongo-spec beside ${start} or any folder above it`,
  };
}

/** Reads every `*.json` file of the given suites (sub-folders), in name order. */
export function loadSpecFiles(root: string, suites: readonly string[]): SpecFile[] {
  const files: SpecFile[] = [];
  for (const suite of suites) {
    const folder = `${root.replace(/\/$/, '')}/${suite}`;
    if (!existsSync(folder)) continue;
    for (const entry of readdirSync(folder)
      .filter((name) => name.endsWith('.json'))
      .sort()) {
      const text = readFileSync(`${folder}/${entry}`, 'utf8');
      // Canonical mode keeps int32/int64/double apart, as the test authors wrote them.
      const content = EJSON.parse(text, { relaxed: false }) as SpecFileContent;
      files.push({ name: `${suite}/${entry}`, content });
    }
  }
  return files;
}
