/** A fenced code block of a Markdown or MDX file. */
export interface CodeBlock {
  /** The file, relative to the repository root. */
  readonly file: string;
  /** The 1-based line of the block's first line of code. */
  readonly line: number;
  /** The fence's language (`ts`, `js`, `sh`, …), or `''`. */
  readonly lang: string;
  /** The fence's options (such as `title="worker.mjs"`, `nocheck="reason"` or `continued`). */
  readonly meta: Readonly<Record<string, string>>;
  /** The code, without the fence's indentation. */
  readonly code: string;
}

const OPENING = /^(\s*)(`{3,}|~{3,})([\w-]*)\s*(.*)$/;

/**
 * Reads a fence's options as Expressive Code does: `key="value"`, `key=value`, and bare words
 * (such as `continued`), which are `'true'`.
 */
export function parseFenceMeta(meta: string): Record<string, string> {
  const options: Record<string, string> = {};
  for (const match of meta.matchAll(/([\w-]+)(?:=(?:"([^"]*)"|'([^']*)'|(\S+)))?/g)) {
    const key = match[1] ?? '';
    options[key] = match[2] ?? match[3] ?? match[4] ?? 'true';
  }
  return options;
}

/**
 * Every fenced code block of a Markdown (or MDX) document, in order, including blocks indented
 * in list items.
 *
 * @param markdown - The document.
 * @param file - The document's path, recorded in each block.
 */
export function extractCodeBlocks(markdown: string, file: string): CodeBlock[] {
  const lines = markdown.split('\n');
  const blocks: CodeBlock[] = [];
  for (let index = 0; index < lines.length; index++) {
    const opening = OPENING.exec(lines[index] ?? '');
    if (opening === null) continue;
    const [, indent = '', fence = '', lang = '', meta = ''] = opening;
    const closing = new RegExp(`^\\s*${fence[0] === '`' ? '`' : '~'}{${fence.length},}\\s*$`);
    const body: string[] = [];
    let end = index + 1;
    while (end < lines.length && !closing.test(lines[end] ?? '')) {
      const line = lines[end] ?? '';
      body.push(line.startsWith(indent) ? line.slice(indent.length) : line.trimStart());
      end++;
    }
    blocks.push({
      file,
      line: index + 2,
      lang: lang.toLowerCase(),
      meta: parseFenceMeta(meta),
      code: `${body.join('\n')}\n`,
    });
    index = end;
  }
  return blocks;
}

/** The languages whose blocks are compiled as TypeScript or checked JavaScript. */
export const PROGRAM_LANGUAGES: ReadonlySet<string> = new Set([
  'ts',
  'typescript',
  'js',
  'javascript',
  'mjs',
  'cjs',
]);

/**
 * Whether a block is code to compile: a TypeScript or JavaScript block not marked
 * `nocheck="reason"` (a MongoDB shell command or a query shape, for example).
 */
export function isProgramBlock(block: CodeBlock): boolean {
  return PROGRAM_LANGUAGES.has(block.lang) && block.meta.nocheck === undefined;
}
