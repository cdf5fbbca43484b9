import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The machine a run happened on. */
export interface MachineInfo {
  readonly cpuModel: string;
  readonly cores: number;
  readonly memoryGiB: number;
  readonly os: string;
  readonly node: string;
  /** 1-minute load average when the run started (other work on the machine). */
  readonly loadAverageAtStart: number;
}

/** The 1-minute load average over the run, sampled every few seconds by the harness. */
export interface LoadRecord {
  readonly atStart: number;
  readonly atEnd: number;
  readonly min: number;
  readonly max: number;
  readonly mean: number;
  readonly samples: number;
}

/** Versions of the measured packages. */
export type PackageVersions = Readonly<Record<string, string>>;

/** The packages whose versions go into the results. */
export const MEASURED_PACKAGES = [
  '@monque/core',
  '@monque/mongo-emulator',
  'agenda',
  '@agendajs/mongo-backend',
  'mongodb',
  'bullmq',
  'ioredis',
  'pg-boss',
  'pg',
] as const;

/** The commit the benchmark ran from, with `-dirty` when the work tree had changes. */
export function sourceCommit(): string {
  const cwd = fileURLToPath(new URL('.', import.meta.url));
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd, encoding: 'utf8' }).trim();
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd,
      encoding: 'utf8',
    }).trim();
    return status === '' ? commit : `${commit}-dirty`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** Samples the load average every `intervalMs` until stopped. */
export class LoadSampler {
  readonly #samples: number[] = [currentLoad()];
  readonly #timer: NodeJS.Timeout;

  constructor(intervalMs = 5000) {
    this.#timer = setInterval(() => this.#samples.push(currentLoad()), intervalMs);
    this.#timer.unref();
  }

  stop(): LoadRecord {
    clearInterval(this.#timer);
    this.#samples.push(currentLoad());
    const samples = this.#samples;
    return {
      atStart: samples[0] ?? 0,
      atEnd: samples[samples.length - 1] ?? 0,
      min: Math.min(...samples),
      max: Math.max(...samples),
      mean: samples.reduce((sum, value) => sum + value, 0) / samples.length,
      samples: samples.length,
    };
  }
}

/** Describes this machine. */
export function machineInfo(): MachineInfo {
  const processors = cpus();
  return {
    cpuModel: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    memoryGiB: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
    loadAverageAtStart: loadavg()[0] ?? 0,
  };
}

/** The current 1-minute load average. */
export function currentLoad(): number {
  return loadavg()[0] ?? 0;
}

/**
 * The installed version of a package: resolves its entry point and walks up to the
 * `package.json` that names it (works whether or not the package exports `./package.json`).
 */
export function packageVersion(name: string): string {
  let directory: string;
  try {
    directory = dirname(fileURLToPath(import.meta.resolve(name)));
  } catch {
    return 'not installed';
  }
  for (;;) {
    try {
      const manifest: unknown = JSON.parse(readFileSync(join(directory, 'package.json'), 'utf8'));
      if (
        typeof manifest === 'object' &&
        manifest !== null &&
        'name' in manifest &&
        manifest.name === name &&
        'version' in manifest &&
        typeof manifest.version === 'string'
      ) {
        return manifest.version;
      }
    } catch {
      // No package.json here: keep walking up.
    }
    const parent = dirname(directory);
    if (parent === directory) {
      return 'unknown';
    }
    directory = parent;
  }
}

/** The versions of {@link MEASURED_PACKAGES}. */
export function packageVersions(): PackageVersions {
  return Object.fromEntries(MEASURED_PACKAGES.map((name) => [name, packageVersion(name)]));
}
