/**
 * The browser files the dashboard serves (its client script and style sheet), built into
 * `dist/assets` by the package build. This module sits one folder below the package root both as
 * source (`src/`) and as built code (`dist/`), so the folder is found from either.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/** A file served under `assets/`. */
export interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  /** A short hash of the content, put in the URL so browsers may cache each version for good. */
  readonly version: string;
}

const FILES: Readonly<Record<string, string>> = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
};

const ASSET_DIR = new URL('../dist/assets/', import.meta.url);

let loaded: ReadonlyMap<string, Asset> | undefined;

/** The assets, read once. Throws when the package has not been built. */
export function loadAssets(): ReadonlyMap<string, Asset> {
  if (loaded === undefined) {
    const assets = new Map<string, Asset>();
    for (const [name, contentType] of Object.entries(FILES)) {
      let body: Buffer;
      try {
        body = readFileSync(new URL(name, ASSET_DIR));
      } catch (error) {
        throw new Error(
          `@monque/dashboard: its browser file ${name} is missing from dist/assets (build the package with \`tsdown\`)`,
          { cause: error },
        );
      }
      const version = createHash('sha256').update(body).digest('base64url').slice(0, 12);
      assets.set(name, { body, contentType, version });
    }
    loaded = assets;
  }
  return loaded;
}

/** The URL path of an asset below the dashboard's base path, with its version. */
export function assetPath(basePath: string, name: 'dashboard.js' | 'dashboard.css'): string {
  const asset = loadAssets().get(name);
  return `${basePath}/assets/${name}?v=${asset?.version ?? ''}`;
}
