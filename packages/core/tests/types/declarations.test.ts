import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const packageDir = resolve(import.meta.dirname, '../..');
const repositoryRoot = resolve(packageDir, '../..');
const fixtures = join(import.meta.dirname, 'fixtures');

/**
 * The `@types/node` versions the published declarations are compiled against: the oldest one
 * supported (installed as `@oldest-types/node`, an npm alias of `@types/node@20.5.0`: the oldest
 * version the MongoDB driver's own declarations compile with) and the repository's own.
 */
const TYPES_NODE = {
  oldest: join(repositoryRoot, 'node_modules/@oldest-types'),
  current: join(repositoryRoot, 'node_modules/@types'),
} as const;

/** A compiler error, as `file:line: TSnnnn message`. */
type Problem = string;

/**
 * Compiles the fixtures as an application would — strict, Node's module resolution, the
 * declarations not skipped — with `@types/node` taken from `typeRoots`, and returns the errors
 * found in the fixtures and in the declarations of @monque/core (those of other packages, such as
 * the driver's, are not ours to check).
 */
function compile(files: readonly string[], typeRoots: string): Problem[] {
  const program = ts.createProgram({
    rootNames: files.map((file) => join(fixtures, file)),
    options: {
      target: ts.ScriptTarget.ES2022,
      lib: ['lib.es2023.d.ts'],
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      types: ['node'],
      typeRoots: [typeRoots],
      strict: true,
      skipLibCheck: false,
      noEmit: true,
    },
  });
  const nodeTypes = program
    .getSourceFiles()
    .find((file) => file.fileName.endsWith('/node/globals.d.ts'));
  if (nodeTypes === undefined || !nodeTypes.fileName.startsWith(typeRoots)) {
    throw new Error(`@types/node was not taken from ${typeRoots}: ${nodeTypes?.fileName}`);
  }
  const ours = (path: string) =>
    path.startsWith(fixtures) || path.startsWith(join(packageDir, 'dist'));
  const problems: Problem[] = [];
  for (const sourceFile of program.getSourceFiles()) {
    if (!ours(sourceFile.fileName)) continue;
    for (const diagnostic of [
      ...program.getSyntacticDiagnostics(sourceFile),
      ...program.getSemanticDiagnostics(sourceFile),
    ]) {
      const line =
        diagnostic.start === undefined
          ? 0
          : sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line + 1;
      problems.push(
        `${relative(packageDir, sourceFile.fileName)}:${line}: TS${diagnostic.code} ` +
          ts.flattenDiagnosticMessageText(diagnostic.messageText, ' '),
      );
    }
  }
  return problems;
}

// The declarations are what users compile against: they are checked as built (`dist`), from an
// application's point of view, with the oldest supported @types/node and with the current one.
describe('the published declarations', () => {
  const built = join(packageDir, 'dist/index.d.mts');
  if (!existsSync(built)) {
    throw new Error(`${built} is missing: build first (npx turbo run build --filter=@monque/core)`);
  }

  it.each(Object.entries(TYPES_NODE))(
    'type events and results by the job map, with the %s @types/node',
    (_, typeRoots) => {
      expect(existsSync(join(typeRoots, 'node/package.json')), typeRoots).toBe(true);
      expect(compile(['typed-by-job-map.ts', 'typed-by-job-map-cjs.cts'], typeRoots)).toEqual([]);
    },
    60_000,
  );

  it.each(Object.entries(TYPES_NODE))(
    'report a failed type assertion, with the %s @types/node',
    (_, typeRoots) => {
      const problems = compile(['canary.ts'], typeRoots);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/^tests\/types\/fixtures\/canary\.ts:4: TS2344 /);
    },
    60_000,
  );
});
