import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StarlightPlugin } from '@astrojs/starlight/types';
import { BUILD_STAMP_FILE, type BuildStamp, hashSiteInputs } from './source-hash.ts';

/** A page written at build time from a file elsewhere in the repository. */
interface GeneratedPage {
  /** Where the page goes, relative to `src/content/docs`. */
  readonly file: string;
  readonly title: string;
  readonly description: string;
  /** The page body (Markdown). */
  readonly body: string;
}

/** Removes the document's first `# Heading` (Starlight renders the title as the page heading). */
function withoutTitle(markdown: string): string {
  return markdown.replace(/^\s*# [^\n]*\n/, '').trimStart();
}

function frontmatterString(value: string): string {
  return JSON.stringify(value);
}

function emulatorPage(repositoryRoot: string): GeneratedPage {
  const readme = readFileSync(join(repositoryRoot, 'packages/mongo-emulator/README.md'), 'utf8');
  return {
    file: 'reference/emulator.md',
    title: 'Emulator: supported features',
    description:
      'What the in-process MongoDB emulator @monque/mongo-emulator supports, and how it differs from MongoDB.',
    body: [
      ':::note',
      'This page is generated from the README of `@monque/mongo-emulator` each time the site is built.',
      'See [Local development](/getting-started/local-development/) and [Testing](/guides/testing/)',
      'for how to use it with Monque.',
      ':::',
      '',
      withoutTitle(readme),
    ].join('\n'),
  };
}

function benchmarksPage(repositoryRoot: string): GeneratedPage {
  const resultsFile = join(repositoryRoot, 'packages/bench/results/latest.md');
  const common = {
    file: 'reference/benchmarks.md',
    title: 'Benchmarks',
    description:
      'Monque side by side with Agenda on the same store, and with BullMQ and pg-boss on theirs: requests and client CPU per job, latency, throughput.',
  };
  if (existsSync(resultsFile)) {
    return {
      ...common,
      body: [
        'The latest results of `npm run bench` (`-- --peers` adds BullMQ on Redis and pg-boss on',
        'PostgreSQL), as the harness wrote them to `packages/bench/results/latest.md`. This page is',
        'generated from that file each time the site is built.',
        '',
        withoutTitle(readFileSync(resultsFile, 'utf8')),
      ].join('\n'),
    };
  }
  return {
    ...common,
    body: [
      'No benchmark results have been recorded yet. The benchmark results are produced by',
      '`npm run bench`, which runs Monque and Agenda side by side on the same store (and with',
      '`--peers` BullMQ and pg-boss on theirs); once they exist, this page shows the latest tables.',
      '',
      '```sh',
      'npm run bench',
      '```',
    ].join('\n'),
  };
}

function render(page: GeneratedPage): string {
  return [
    '---',
    `title: ${frontmatterString(page.title)}`,
    `description: ${frontmatterString(page.description)}`,
    'editUrl: false',
    '---',
    '',
    page.body.trimEnd(),
    '',
  ].join('\n');
}

/**
 * Writes the pages built from other parts of the repository (the emulator's supported features,
 * the latest benchmark results) before the content is loaded, and records in `dist` which sources
 * a build came from (see `source-hash.ts`).
 */
export function monquePages(): StarlightPlugin {
  return {
    name: 'monque-pages',
    hooks: {
      'config:setup'({ astroConfig, addIntegration, logger }) {
        const docsRoot = fileURLToPath(astroConfig.root);
        const repositoryRoot = join(docsRoot, '..', '..');
        const stamp: BuildStamp = {
          inputsHash: hashSiteInputs(repositoryRoot),
          base: astroConfig.base,
        };
        const contentDir = join(fileURLToPath(astroConfig.srcDir), 'content', 'docs');
        for (const page of [emulatorPage(repositoryRoot), benchmarksPage(repositoryRoot)]) {
          const target = join(contentDir, page.file);
          mkdirSync(dirname(target), { recursive: true });
          writeFileSync(target, render(page));
          logger.info(`generated ${page.file}`);
        }
        addIntegration({
          name: 'monque-build-stamp',
          hooks: {
            'astro:build:done'({ dir }) {
              writeFileSync(
                join(fileURLToPath(dir), BUILD_STAMP_FILE),
                `${JSON.stringify(stamp)}\n`,
              );
            },
          },
        });
      },
    },
  };
}
