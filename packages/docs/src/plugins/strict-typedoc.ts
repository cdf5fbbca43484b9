import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { StarlightPlugin } from '@astrojs/starlight/types';
import starlightTypeDoc, { type StarlightTypeDocOptions } from 'starlight-typedoc';

/** The folders TypeDoc sorts a module's exports into, and their headings. */
const KINDS: ReadonlyArray<readonly [folder: string, heading: string]> = [
  ['classes', 'Classes'],
  ['functions', 'Functions'],
  ['interfaces', 'Interfaces'],
  ['type-aliases', 'Type aliases'],
  ['variables', 'Variables'],
];

/** A URL segment as starlight-typedoc writes it (lower case, `@` and dots dropped). */
function urlSegment(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9_-]/g, '');
}

/**
 * Writes the API reference's index page (`api/index.md`): every module and its exports, linked.
 * It replaces the `README.md` starlight-typedoc leaves for several entry points, which links to
 * module pages it removes.
 */
function writeApiIndex(apiDir: string, output: string): void {
  const modules: string[] = [];
  const findModules = (relative: string): void => {
    const entries = readdirSync(join(apiDir, relative), { withFileTypes: true });
    const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => entry.name);
    if (folders.some((folder) => KINDS.some(([kind]) => kind === folder))) {
      modules.push(relative);
    }
    for (const folder of folders) {
      if (!KINDS.some(([kind]) => kind === folder)) {
        findModules(relative === '' ? folder : `${relative}/${folder}`);
      }
    }
  };
  findModules('');
  const lines = [
    '---',
    'title: API reference',
    'description: Every export of @monque/core and @monque/core/testing, generated from their TSDoc.',
    'editUrl: false',
    '---',
    '',
    'Generated from the TSDoc comments of the source code each time the site is built.',
  ];
  for (const module of modules.sort()) {
    lines.push('', `## \`${module}\``);
    const moduleUrl = module.split('/').map(urlSegment).join('/');
    for (const [kind, heading] of KINDS) {
      const folder = join(apiDir, module, kind);
      if (!existsSync(folder)) continue;
      const names = readdirSync(folder)
        .filter((file) => file.endsWith('.md'))
        .map((file) => file.slice(0, -'.md'.length))
        .sort((a, b) => a.localeCompare(b));
      lines.push('', `### ${heading}`, '');
      for (const name of names) {
        lines.push(`- [\`${name}\`](/${output}/${moduleUrl}/${kind}/${urlSegment(name)}/)`);
      }
    }
  }
  rmSync(join(apiDir, 'README.md'), { force: true });
  writeFileSync(join(apiDir, 'index.md'), `${lines.join('\n')}\n`);
}

/**
 * starlight-typedoc, with an index page of all exports and every TypeDoc warning or error failing the build: the API reference is
 * generated from TSDoc, and a warning there (an unresolved `{@link}`, an unexported type) means a
 * broken page.
 */
export function strictTypeDoc(options: StarlightTypeDocOptions): StarlightPlugin {
  const inner = starlightTypeDoc(options);
  return {
    name: 'monque-strict-typedoc',
    hooks: {
      async 'config:setup'(params) {
        const logger = params.logger.fork('typedoc');
        const problems: string[] = [];
        const warn = logger.warn.bind(logger);
        const error = logger.error.bind(logger);
        logger.warn = (message: string) => {
          problems.push(`warning: ${message}`);
          warn(message);
        };
        logger.error = (message: string) => {
          problems.push(`error: ${message}`);
          error(message);
        };
        await inner.hooks['config:setup']?.({ ...params, logger });
        if (problems.length > 0) {
          throw new Error(
            `TypeDoc reported ${problems.length} problem(s) in the API reference:\n${problems.join('\n')}`,
          );
        }
        const output = options.output ?? 'api';
        const contentDir = join(fileURLToPath(params.astroConfig.srcDir), 'content', 'docs');
        writeApiIndex(join(contentDir, output), output);
      },
    },
  };
}
