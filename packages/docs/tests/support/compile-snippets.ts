import { join } from 'node:path';
import ts from 'typescript';
import { repositoryRoot } from './repository.ts';

/** How a snippet is compiled: TypeScript, or checked JavaScript as an ES or CommonJS module. */
export type SnippetKind = 'ts' | 'esm' | 'cjs';

/** A piece of code from the documentation, to type-check. */
export interface Snippet {
  /** The document or source file it comes from, relative to the repository root. */
  readonly file: string;
  /** The 1-based line of `code`'s first line in that file. */
  readonly line: number;
  readonly kind: SnippetKind;
  readonly code: string;
  /** Lines compiled before `code` (the imports a TSDoc example may use). */
  readonly prelude?: string;
  /**
   * For code joined from several blocks: where each block starts, as its 0-based line in `code`
   * and its 1-based line in the document. Default: one block at `line`.
   */
  readonly segments?: ReadonlyArray<{ readonly codeLine: number; readonly line: number }>;
}

/** The document line of the 0-based `codeLine` of a snippet's code. */
export function documentLine(snippet: Snippet, codeLine: number): number {
  const segments = snippet.segments ?? [{ codeLine: 0, line: snippet.line }];
  let segment = segments[0] ?? { codeLine: 0, line: snippet.line };
  for (const candidate of segments) {
    if (candidate.codeLine <= codeLine) segment = candidate;
  }
  return segment.line + codeLine - segment.codeLine;
}

/** A compiler error in a snippet, at its line in the document. */
export interface SnippetProblem {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

/**
 * Free names the snippets may use without declaring them (`client`, `db`, `monque`, `mailer`,
 * …): declared once, so each snippet can stay as short as the page needs.
 */
export const SNIPPET_GLOBALS = join(repositoryRoot, 'packages/docs/snippets/globals.d.ts');

const SNIPPET_DIR = join(repositoryRoot, 'packages/docs/.snippets');

/** Compiler options of the snippets: what a strict TypeScript application would use. */
export const SNIPPET_COMPILER_OPTIONS: ts.CompilerOptions = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2023.d.ts'],
  module: ts.ModuleKind.NodeNext,
  moduleResolution: ts.ModuleResolutionKind.NodeNext,
  types: ['node'],
  strict: true,
  esModuleInterop: true,
  skipLibCheck: true,
  noEmit: true,
  allowJs: true,
  checkJs: true,
  resolveJsonModule: true,
  // The packages' sources, so the snippets are checked against the code as it is now.
  paths: {
    '@monque/core': [join(repositoryRoot, 'packages/core/src/index.ts')],
    '@monque/core/testing': [join(repositoryRoot, 'packages/core/src/testing/index.ts')],
    '@monque/mongo-emulator': [join(repositoryRoot, 'packages/mongo-emulator/src/index.ts')],
  },
};

const EXTENSIONS: Readonly<Record<SnippetKind, string>> = { ts: '.ts', esm: '.mjs', cjs: '.cjs' };

function virtualPath(snippet: Snippet, index: number): string {
  const slug = snippet.file.replace(/[^\w]+/g, '_');
  return join(
    SNIPPET_DIR,
    `${String(index).padStart(3, '0')}_${slug}_${snippet.line}${EXTENSIONS[snippet.kind]}`,
  );
}

function virtualSource(snippet: Snippet): { text: string; preludeLines: number } {
  const prelude = snippet.prelude ?? '';
  const preludeLines = prelude === '' ? 0 : prelude.split('\n').length - 1;
  // `export {}` makes every ES snippet a module: its top-level names stay its own (shadowing the
  // declared free names), and top-level `await` is allowed.
  const suffix = snippet.kind === 'cjs' ? '' : '\nexport {};\n';
  return { text: `${prelude}${snippet.code}${suffix}`, preludeLines };
}

/**
 * Type-checks the snippets in one program, each as a module of its own with the declared free
 * names ({@link SNIPPET_GLOBALS}) in scope, and returns every compiler error at its line in the
 * document the snippet comes from.
 */
export function compileSnippets(snippets: readonly Snippet[]): SnippetProblem[] {
  const files = new Map<string, { snippet: Snippet; text: string; preludeLines: number }>();
  snippets.forEach((snippet, index) => {
    files.set(virtualPath(snippet, index), { snippet, ...virtualSource(snippet) });
  });
  const host = ts.createCompilerHost(SNIPPET_COMPILER_OPTIONS, true);
  const { fileExists, readFile, getSourceFile } = host;
  host.getCurrentDirectory = () => repositoryRoot;
  host.fileExists = (path) => files.has(path) || fileExists.call(host, path);
  host.readFile = (path) => files.get(path)?.text ?? readFile.call(host, path);
  host.getSourceFile = (path, languageVersion, onError, shouldCreate) => {
    const file = files.get(path);
    return file === undefined
      ? getSourceFile.call(host, path, languageVersion, onError, shouldCreate)
      : ts.createSourceFile(path, file.text, languageVersion, true);
  };
  const program = ts.createProgram({
    rootNames: [SNIPPET_GLOBALS, ...files.keys()],
    options: SNIPPET_COMPILER_OPTIONS,
    host,
  });
  const problems: SnippetProblem[] = program.getOptionsDiagnostics().map((diagnostic) => ({
    file: 'compiler options',
    line: 0,
    message: ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'),
  }));
  for (const [path, { snippet, preludeLines }] of files) {
    const sourceFile = program.getSourceFile(path);
    if (sourceFile === undefined) {
      problems.push({ file: snippet.file, line: snippet.line, message: 'not compiled' });
      continue;
    }
    const diagnostics = [
      ...program.getSyntacticDiagnostics(sourceFile),
      ...program.getSemanticDiagnostics(sourceFile),
    ];
    for (const diagnostic of diagnostics) {
      const at =
        diagnostic.start === undefined
          ? 0
          : sourceFile.getLineAndCharacterOfPosition(diagnostic.start).line;
      problems.push({
        file: snippet.file,
        line: documentLine(snippet, Math.max(0, at - preludeLines)),
        message: `TS${diagnostic.code}: ${ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ')}`,
      });
    }
  }
  return problems;
}

/** One line per problem, as `file:line: message`. */
export function formatProblems(problems: readonly SnippetProblem[]): string {
  return problems
    .map((problem) => `${problem.file}:${problem.line}: ${problem.message}`)
    .join('\n');
}
