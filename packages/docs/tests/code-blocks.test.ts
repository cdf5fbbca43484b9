import { describe, expect, it } from 'vitest';
import { compileSnippets, formatProblems, type Snippet } from './support/compile-snippets.ts';
import { documentCodeBlocks, documentSnippets } from './support/document-snippets.ts';
import { PROGRAM_LANGUAGES } from './support/markdown.ts';
import { tsdocSnippets } from './support/tsdoc-examples.ts';

/** The languages of blocks that are not programs: shell commands, output, configuration. */
const OTHER_LANGUAGES = new Set(['sh', 'text', 'yaml', 'json']);

// Every code block of the documentation is compiled against the current sources, so an example
// that no longer matches the API fails here (see snippets/globals.d.ts for the free names).
describe('code blocks of the documentation', () => {
  it('every TypeScript and JavaScript block of the pages and READMEs type-checks', () => {
    const snippets = documentSnippets();
    expect(snippets.length).toBeGreaterThan(40);
    expect(formatProblems(compileSnippets(snippets))).toBe('');
  });

  it('every TSDoc example of @monque/core type-checks', () => {
    const snippets = tsdocSnippets();
    expect(snippets.length).toBeGreaterThan(100);
    expect(formatProblems(compileSnippets(snippets))).toBe('');
  });

  it('every block names its language, and a program left unchecked says why', () => {
    const unclear = documentCodeBlocks()
      .filter(
        (block) =>
          (!PROGRAM_LANGUAGES.has(block.lang) && !OTHER_LANGUAGES.has(block.lang)) ||
          block.meta.nocheck === '' ||
          block.meta.nocheck === 'true',
      )
      .map(
        (block) => `${block.file}:${block.line}: \`\`\`${block.lang} ${JSON.stringify(block.meta)}`,
      );
    expect(unclear).toEqual([]);
  });

  it('every shutdown example stops Monque, then closes the client, so the process can end', () => {
    const snippets: Snippet[] = [...documentSnippets(), ...tsdocSnippets()];
    const shutdowns = snippets.filter((snippet) =>
      /process\.(?:on|once)\(\s*'SIG(?:TERM|INT)'/.test(snippet.code),
    );
    expect(shutdowns.length).toBeGreaterThan(5);
    const leaving = shutdowns
      .filter((snippet) => !/\.stop\(\)[\s\S]*\.close\(\)/.test(snippet.code))
      .map((snippet) => `${snippet.file}:${snippet.line}`);
    expect(leaving).toEqual([]);
  });
});
