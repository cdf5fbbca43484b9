import { html, type SafeHtml } from '../html/html.js';
import { layout, type PageContext, pathTo } from '../html/layout.js';

/** A page that says why a request could not be served. */
export function problemPage(context: PageContext, title: string, message: string): SafeHtml {
  const body = html`<h1>${title}</h1>
<div class="notice notice-error" role="alert"><p>${message}</p></div>
<p><a href="${pathTo(context, '/')}">Back to the overview</a></p>`;
  return layout(context, { title, body });
}
