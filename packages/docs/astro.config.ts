import { fileURLToPath } from 'node:url';
import starlight from '@astrojs/starlight';
import { defineConfig } from 'astro/config';
import { typeDocSidebarGroup } from 'starlight-typedoc';
import { monquePages } from './src/plugins/monque-pages.ts';
import { remarkBaseLinks } from './src/plugins/remark-base-links.ts';
import { strictTypeDoc } from './src/plugins/strict-typedoc.ts';

const fromHere = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Deployments under a sub-path (GitHub Pages project sites) set DOCS_SITE and DOCS_BASE.
const site = process.env.DOCS_SITE || undefined;
const base = process.env.DOCS_BASE || '/';

export default defineConfig({
  site,
  base,
  trailingSlash: 'always',
  markdown: {
    remarkPlugins: [[remarkBaseLinks, { base }]],
  },
  integrations: [
    starlight({
      title: 'Monque',
      description:
        'Monque is a MongoDB-backed job scheduler for Node.js and TypeScript: jobs, workers, cron, retries and crash recovery in your own MongoDB.',
      lastUpdated: false,
      pagination: true,
      plugins: [
        monquePages(),
        strictTypeDoc({
          entryPoints: [fromHere('../core/src/index.ts'), fromHere('../core/src/testing/index.ts')],
          tsconfig: fromHere('./typedoc.tsconfig.json'),
          output: 'api',
          sidebar: { label: 'API reference', collapsed: true },
          typeDoc: {
            plugin: [fromHere('./src/plugins/typedoc-monque.mjs')],
            disableSources: true,
            excludePrivate: true,
            excludeInternal: true,
            excludeExternals: true,
            parametersFormat: 'table',
            interfacePropertiesFormat: 'table',
            classPropertiesFormat: 'table',
            typeDeclarationFormat: 'table',
            useCodeBlocks: true,
            sort: ['kind', 'instance-first', 'alphabetical-ignoring-documents'],
          },
        }),
      ],
      sidebar: [
        {
          label: 'Getting started',
          items: [
            { label: 'Installation', slug: 'getting-started/installation' },
            { label: 'Quick start', slug: 'getting-started/quick-start' },
            { label: 'Local development', slug: 'getting-started/local-development' },
          ],
        },
        { label: 'Core concepts', autogenerate: { directory: 'concepts' } },
        { label: 'Advanced', autogenerate: { directory: 'advanced' } },
        { label: 'Guides', autogenerate: { directory: 'guides' } },
        {
          label: 'Reference',
          items: [
            { label: 'Options and defaults', slug: 'reference/options' },
            { label: 'Errors', slug: 'reference/errors' },
            { label: 'Comparison with other queues', slug: 'reference/comparison' },
            { label: 'Benchmarks', slug: 'reference/benchmarks' },
            { label: 'Emulator: supported features', slug: 'reference/emulator' },
          ],
        },
        typeDocSidebarGroup,
      ],
    }),
  ],
});
