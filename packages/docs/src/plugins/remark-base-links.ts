/** The part of an mdast node this plugin reads. */
interface MarkdownNode {
  type: string;
  url?: string;
  children?: MarkdownNode[];
}

/**
 * Prefixes root-relative Markdown links (`/guides/testing/`) with the site's `base`, so pages can
 * link to each other the same way whether the site is served from `/` or from a sub-path.
 *
 * @param options - `base`: the site's base path, such as `/` or `/monque/`.
 */
export function remarkBaseLinks(options: { base: string }) {
  const base = options.base.endsWith('/') ? options.base.slice(0, -1) : options.base;
  const visit = (node: MarkdownNode): void => {
    if (
      (node.type === 'link' || node.type === 'definition') &&
      typeof node.url === 'string' &&
      node.url.startsWith('/') &&
      !node.url.startsWith('//') &&
      base !== '' &&
      !node.url.startsWith(`${base}/`)
    ) {
      node.url = `${base}${node.url}`;
    }
    for (const child of node.children ?? []) {
      visit(child);
    }
  };
  return (tree: MarkdownNode): void => {
    visit(tree);
  };
}
