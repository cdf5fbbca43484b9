import { assetPath } from '../assets.js';
import { html, type SafeHtml } from './html.js';

/** What every page needs to know about the dashboard it belongs to. */
export interface PageContext {
  readonly basePath: string;
  readonly title: string;
  readonly readOnly: boolean;
  /** The collection shown, named in the header so two dashboards are not confused. */
  readonly collectionName: string;
}

/** A path of the dashboard with an optional query (values are URL-encoded). */
export function pathTo(
  context: Pick<PageContext, 'basePath'>,
  path: string,
  query?: URLSearchParams | Readonly<Record<string, string>>,
): string {
  const search = new URLSearchParams(query).toString();
  return `${context.basePath}${path}${search === '' ? '' : `?${search}`}`;
}

/** The sections of the navigation. */
export type Section = 'overview' | 'jobs' | 'schedules';

const SECTIONS: readonly {
  readonly section: Section;
  readonly path: string;
  readonly label: string;
}[] = [
  { section: 'overview', path: '/', label: 'Overview' },
  { section: 'jobs', path: '/jobs', label: 'Jobs' },
  { section: 'schedules', path: '/schedules', label: 'Schedules' },
];

/** A full page: header with navigation, the page's main content, the shared assets. */
export function layout(
  context: PageContext,
  page: {
    /** The page's own title (also its `<h1>`, which the body renders). */
    readonly title: string;
    readonly section?: Section;
    readonly body: SafeHtml;
    /** Extra elements for `<head>`. */
    readonly head?: SafeHtml;
  },
): SafeHtml {
  const nav = SECTIONS.map(
    ({ section, path, label }) =>
      html`<li><a href="${pathTo(context, path)}"${section === page.section ? html` aria-current="page"` : ''}>${label}</a></li>`,
  );
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${page.title} · ${context.title}</title>
<link rel="stylesheet" href="${assetPath(context.basePath, 'dashboard.css')}">
<script src="${assetPath(context.basePath, 'dashboard.js')}" defer></script>
${page.head}
</head>
<body>
<a class="skip-link" href="#main">Skip to content</a>
<header class="site-header">
<p class="brand"><a href="${pathTo(context, '/')}">${context.title}</a> <span class="collection" title="Jobs collection">${context.collectionName}</span>${context.readOnly ? html` <span class="badge">read-only</span>` : ''}</p>
<nav aria-label="Sections"><ul>${nav}</ul></nav>
</header>
<main id="main" tabindex="-1">
${page.body}
</main>
</body>
</html>
`;
}

/** The line that says how a live page is kept current (filled in by the client script). */
export function liveStatus(): SafeHtml {
  return html`<p class="live-status" id="live-status" role="status" data-live-mode="static">Updates need JavaScript: reload for new figures.</p>`;
}
