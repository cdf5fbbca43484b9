import type { Snippet, SnippetKind } from './compile-snippets.ts';
import { type CodeBlock, extractCodeBlocks, isProgramBlock } from './markdown.ts';
import { checkedDocuments, readRepositoryFile } from './repository.ts';

/** The code of the block of `file` whose fence says `title="<title>"` (such as `worker.mjs`). */
export function titledCodeBlock(file: string, title: string): string {
  const block = extractCodeBlocks(readRepositoryFile(file), file).find(
    (candidate) => candidate.meta.title === title,
  );
  if (block === undefined) throw new Error(`${file} has no code block titled ${title}`);
  return block.code;
}

/** Every fenced code block of the checked documents. */
export function documentCodeBlocks(): CodeBlock[] {
  return checkedDocuments().flatMap((file) => extractCodeBlocks(readRepositoryFile(file), file));
}

function snippetKind(block: CodeBlock): SnippetKind {
  if (block.lang === 'ts' || block.lang === 'typescript') return 'ts';
  if (block.lang === 'cjs') return 'cjs';
  if (block.lang === 'mjs') return 'esm';
  // A JavaScript block that uses `require` and no `import` is a CommonJS module.
  return /\brequire\(/.test(block.code) && !/^\s*import\s/m.test(block.code) ? 'cjs' : 'esm';
}

/**
 * The TypeScript and JavaScript blocks of the checked documents, as snippets to compile. A block
 * marked `continued` (a later step of one program, such as the quick start's) is compiled
 * together with the blocks before it; a problem is reported at its line in the document.
 */
export function documentSnippets(): Snippet[] {
  const snippets: Snippet[] = [];
  for (const block of documentCodeBlocks().filter(isProgramBlock)) {
    const previous = snippets.at(-1);
    if (block.meta.continued === undefined) {
      snippets.push({
        file: block.file,
        line: block.line,
        kind: snippetKind(block),
        code: block.code,
      });
      continue;
    }
    if (previous?.file !== block.file) {
      throw new Error(`${block.file}:${block.line}: a \`continued\` block has no block before it`);
    }
    const segments = previous.segments ?? [{ codeLine: 0, line: previous.line }];
    snippets[snippets.length - 1] = {
      ...previous,
      code: `${previous.code}${block.code}`,
      segments: [...segments, { codeLine: previous.code.split('\n').length - 1, line: block.line }],
    };
  }
  return snippets;
}
