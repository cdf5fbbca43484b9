import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import ts from 'typescript';
import type { Snippet } from './compile-snippets.ts';
import { repositoryPath, repositoryRoot } from './repository.ts';

/** The sources whose TSDoc `@example` blocks are compiled. */
export const TSDOC_SOURCES = 'packages/core/src';

/** The public entry points: their exports are in scope in every example. */
const ENTRY_POINTS: ReadonlyArray<readonly [file: string, specifier: string]> = [
  ['packages/core/src/index.ts', '@monque/core'],
  ['packages/core/src/testing/index.ts', '@monque/core/testing'],
];

/** One `@example` code block of a TSDoc comment. */
export interface TsdocExample {
  /** The source file, relative to the repository root. */
  readonly file: string;
  /** The 1-based line of the example's first line of code. */
  readonly line: number;
  readonly code: string;
}

function listSources(directory: string, into: string[]): void {
  for (const entry of readdirSync(directory, { withFileTypes: true })) {
    const path = join(directory, entry.name);
    if (entry.isDirectory()) listSources(path, into);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) into.push(path);
  }
}

/** Every ```ts block under an `@example` tag of the TSDoc comments of one source file. */
export function extractTsdocExamples(source: string, file: string): TsdocExample[] {
  const examples: TsdocExample[] = [];
  const lineStarts = [0];
  for (let index = 0; index < source.length; index++) {
    if (source[index] === '\n') lineStarts.push(index + 1);
  }
  const lineOf = (offset: number): number => {
    let low = 0;
    let high = lineStarts.length - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if ((lineStarts[middle] ?? 0) <= offset) low = middle;
      else high = middle - 1;
    }
    return low + 1;
  };
  for (const comment of source.matchAll(/\/\*\*[\s\S]*?\*\//g)) {
    const start = comment.index ?? 0;
    const lines = comment[0].split('\n').map((line) => line.replace(/^\s*\*? ?/, ''));
    let inExample = false;
    for (let index = 0; index < lines.length; index++) {
      const line = lines[index] ?? '';
      if (/^@\w+/.test(line)) inExample = line.startsWith('@example');
      if (!inExample || !/^```(ts|typescript)\s*$/.test(line)) continue;
      const body: string[] = [];
      let end = index + 1;
      while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) {
        body.push(lines[end] ?? '');
        end++;
      }
      examples.push({ file, line: lineOf(start) + index + 1, code: `${body.join('\n')}\n` });
      index = end;
    }
  }
  return examples;
}

/** The name a function, class, interface, type or enum declaration declares. */
function declarationName(statement: ts.Statement): string | undefined {
  return (ts.isFunctionDeclaration(statement) ||
    ts.isClassDeclaration(statement) ||
    ts.isInterfaceDeclaration(statement) ||
    ts.isTypeAliasDeclaration(statement) ||
    ts.isEnumDeclaration(statement)) &&
    statement.name !== undefined
    ? statement.name.text
    : undefined;
}

/** The names a snippet declares or imports at its top level. */
function declaredNames(code: string): Set<string> {
  const sourceFile = ts.createSourceFile('snippet.ts', code, ts.ScriptTarget.ES2022, true);
  const names = new Set<string>();
  const addBinding = (name: ts.BindingName): void => {
    if (ts.isIdentifier(name)) {
      names.add(name.text);
      return;
    }
    for (const element of name.elements) {
      if (!ts.isOmittedExpression(element)) addBinding(element.name);
    }
  };
  for (const statement of sourceFile.statements) {
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations)
        addBinding(declaration.name);
    } else if (declarationName(statement) !== undefined) {
      names.add(declarationName(statement) ?? '');
    } else if (ts.isImportDeclaration(statement) && statement.importClause !== undefined) {
      const { name, namedBindings } = statement.importClause;
      if (name !== undefined) names.add(name.text);
      if (namedBindings !== undefined && ts.isNamespaceImport(namedBindings)) {
        names.add(namedBindings.name.text);
      } else if (namedBindings !== undefined) {
        for (const element of namedBindings.elements) names.add(element.name.text);
      }
    }
  }
  return names;
}

/** An import of one name: `local` from `specifier` (`imported` when it is renamed). */
interface NameImport {
  readonly local: string;
  readonly imported: string;
  readonly specifier: string;
}

/** The names a module exports (from its syntax: `export` declarations and lists). */
function exportedNames(sourceFile: ts.SourceFile): string[] {
  const names: string[] = [];
  for (const statement of sourceFile.statements) {
    if (ts.isExportDeclaration(statement) && statement.exportClause !== undefined) {
      if (ts.isNamedExports(statement.exportClause)) {
        for (const element of statement.exportClause.elements) names.push(element.name.text);
      }
      continue;
    }
    const modifiers = ts.canHaveModifiers(statement) ? ts.getModifiers(statement) : undefined;
    if (!modifiers?.some((modifier) => modifier.kind === ts.SyntaxKind.ExportKeyword)) continue;
    if (ts.isVariableStatement(statement)) {
      for (const declaration of statement.declarationList.declarations) {
        if (ts.isIdentifier(declaration.name)) names.push(declaration.name.text);
      }
    } else if (declarationName(statement) !== undefined) {
      names.push(declarationName(statement) ?? '');
    }
  }
  return names;
}

/** The imports of a source file, with relative specifiers made absolute. */
function importsOf(sourceFile: ts.SourceFile, path: string): NameImport[] {
  const imports: NameImport[] = [];
  for (const statement of sourceFile.statements) {
    if (!ts.isImportDeclaration(statement) || statement.importClause === undefined) continue;
    let specifier = (statement.moduleSpecifier as ts.StringLiteral).text;
    if (specifier.startsWith('.')) specifier = resolve(dirname(path), specifier);
    const { namedBindings } = statement.importClause;
    if (namedBindings !== undefined && ts.isNamedImports(namedBindings)) {
      for (const element of namedBindings.elements) {
        imports.push({
          local: element.name.text,
          imported: (element.propertyName ?? element.name).text,
          specifier,
        });
      }
    }
  }
  return imports;
}

function readSourceFile(path: string): ts.SourceFile {
  return ts.createSourceFile(path, readFileSync(path, 'utf8'), ts.ScriptTarget.ES2022, true);
}

/**
 * Every TSDoc example of the core package's sources, as snippets. An example is compiled in the
 * context of the module it documents: the exports of the public entry points, the module's own
 * exports and the module's imports are in scope (except the names the example declares itself),
 * besides the declared free names.
 */
export function tsdocSnippets(): Snippet[] {
  const publicNames: NameImport[] = ENTRY_POINTS.flatMap(([file, specifier]) =>
    exportedNames(readSourceFile(join(repositoryRoot, file))).map((name) => ({
      local: name,
      imported: name,
      specifier,
    })),
  );
  const sources: string[] = [];
  listSources(join(repositoryRoot, TSDOC_SOURCES), sources);
  const snippets: Snippet[] = [];
  for (const path of sources.sort()) {
    const text = readFileSync(path, 'utf8');
    const file = repositoryPath(path);
    const examples = extractTsdocExamples(text, file);
    if (examples.length === 0) continue;
    const sourceFile = ts.createSourceFile(path, text, ts.ScriptTarget.ES2022, true);
    const own: NameImport[] = exportedNames(sourceFile).map((name) => ({
      local: name,
      imported: name,
      specifier: path.replace(/\.ts$/, '.js'),
    }));
    const context = [...own, ...importsOf(sourceFile, path), ...publicNames];
    for (const example of examples) {
      const declared = declaredNames(example.code);
      const chosen = new Map<string, NameImport>();
      for (const name of context) {
        if (!declared.has(name.local) && !chosen.has(name.local)) chosen.set(name.local, name);
      }
      const prelude = [...chosen.values()]
        .map(({ local, imported, specifier }) =>
          local === imported
            ? `import { ${local} } from ${JSON.stringify(specifier)};`
            : `import { ${imported} as ${local} } from ${JSON.stringify(specifier)};`,
        )
        .join('\n');
      snippets.push({ ...example, kind: 'ts', prelude: `${prelude}\n` });
    }
  }
  return snippets;
}
