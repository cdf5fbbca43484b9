import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { resolveFile } from './static-server.ts';

/** One internal link that does not lead anywhere. */
export interface BrokenLink {
  /** The page the link is on, as a URL path. */
  readonly page: string;
  readonly href: string;
  readonly problem: string;
}

const ENTITIES: Readonly<Record<string, string>> = {
  '&amp;': '&',
  '&quot;': '"',
  '&#39;': "'",
  '&#x27;': "'",
  '&lt;': '<',
  '&gt;': '>',
};

function decodeEntities(value: string): string {
  return value.replace(/&(?:amp|quot|#39|#x27|lt|gt);/g, (entity) => ENTITIES[entity] ?? entity);
}

/** Every `.html` file below `root`. */
export function listHtmlFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true })) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) {
        walk(path);
      } else if (entry.name.endsWith('.html')) {
        files.push(path);
      }
    }
  };
  walk(root);
  return files.sort();
}

/** The `href`s of a page's `<a>` elements. */
export function extractLinks(html: string): string[] {
  return [...html.matchAll(/<a\b[^>]*?\shref\s*=\s*"([^"]*)"/gi)].map((match) =>
    decodeEntities(match[1] ?? ''),
  );
}

/** The `id`s (and `name`s) a page's anchors can point at. */
export function extractAnchors(html: string): Set<string> {
  return new Set(
    [...html.matchAll(/\s(?:id|name)\s*=\s*"([^"]*)"/gi)].map((match) =>
      decodeEntities(match[1] ?? ''),
    ),
  );
}

/** The URL path a built page is served at (`api/index.html` → `/base/api/`). */
export function pagePath(root: string, base: string, file: string): string {
  const path = relative(root, file).split(sep).join('/');
  return `${base}${path.endsWith('index.html') ? path.slice(0, -'index.html'.length) : path}`;
}

/**
 * Checks every internal link of every page in `root` (a site built for `base`): the target file
 * must exist, and a `#fragment` must name an element of the target page.
 *
 * @returns The broken links, and how many internal links were checked.
 */
export function findBrokenLinks(
  root: string,
  base: string,
): { broken: BrokenLink[]; checked: number } {
  const origin = 'http://site.invalid';
  const anchorsByFile = new Map<string, Set<string>>();
  const anchorsOf = (file: string): Set<string> => {
    let anchors = anchorsByFile.get(file);
    if (anchors === undefined) {
      anchors = extractAnchors(readFileSync(file, 'utf8'));
      anchorsByFile.set(file, anchors);
    }
    return anchors;
  };
  const broken: BrokenLink[] = [];
  let checked = 0;
  for (const file of listHtmlFiles(root)) {
    const page = pagePath(root, base, file);
    for (const href of extractLinks(readFileSync(file, 'utf8'))) {
      if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith('//')) {
        continue; // external (https:, mailto:, …)
      }
      checked += 1;
      const target = new URL(href, `${origin}${page}`);
      const targetFile = resolveFile(root, base, target.pathname);
      if (targetFile === undefined) {
        broken.push({ page, href, problem: `no file for ${target.pathname}` });
        continue;
      }
      const fragment = decodeURIComponent(target.hash.slice(1));
      if (fragment !== '' && targetFile.endsWith('.html') && !anchorsOf(targetFile).has(fragment)) {
        broken.push({
          page,
          href,
          problem: `no element with id "${fragment}" on ${target.pathname}`,
        });
      }
    }
  }
  return { broken, checked };
}
