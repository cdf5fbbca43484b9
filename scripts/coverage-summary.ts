/** The four measures of code coverage, in the order they are printed. */
export const METRICS = ['statements', 'branches', 'functions', 'lines'] as const;

/** One of {@link METRICS}. */
export type Metric = (typeof METRICS)[number];

/** Covered of total, for one measure. */
export interface Count {
  covered: number;
  total: number;
}

/** The parts of Istanbul's coverage map (what Vitest's `onCoverage` receives) read here. */
export interface CoverageSource {
  files(): string[];
  fileCoverageFor(file: string): { toSummary(): { data: Record<Metric, Count> } };
}

/** Minimum percentages, as in Vitest's `coverage.thresholds`. */
export type Thresholds = Partial<Record<Metric, number>>;

/** A package's coverage over its `src` files. */
export interface PackageCoverage {
  /** The folder under `packages/`. */
  name: string;
  counts: Record<Metric, Count>;
}

/** Istanbul's percentage (what Vitest compares with a threshold): two decimals, rounded down. */
export function percent({ covered, total }: Count): number {
  return total > 0 ? Math.floor((1000 * 100 * covered) / total / 10) / 100 : 100;
}

/** The threshold glob of a package, as the root `vitest.config.ts` names it. */
export function thresholdKey(name: string): string {
  return `packages/${name}/src/**`;
}

/** Adds up the coverage of each package's `src` files; packages sorted by name. */
export function coverageByPackage(map: CoverageSource): PackageCoverage[] {
  const packages = new Map<string, Record<Metric, Count>>();
  for (const file of map.files()) {
    const match = /[/\\]packages[/\\]([^/\\]+)[/\\]src[/\\]/.exec(file);
    if (match === null) continue;
    const name = match[1] as string;
    let counts = packages.get(name);
    if (counts === undefined) {
      counts = {
        statements: { covered: 0, total: 0 },
        branches: { covered: 0, total: 0 },
        functions: { covered: 0, total: 0 },
        lines: { covered: 0, total: 0 },
      };
      packages.set(name, counts);
    }
    const { data } = map.fileCoverageFor(file).toSummary();
    for (const metric of METRICS) {
      counts[metric].covered += data[metric].covered;
      counts[metric].total += data[metric].total;
    }
  }
  return [...packages]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([name, counts]) => ({ name, counts }));
}

/**
 * One line per package: each measure's percentage with its threshold, and whether all thresholds
 * hold — `core  statements 100 % (≥ 100) · branches 97.2 % (≥ 95) · … · met`.
 */
export function formatCoverage(
  packages: readonly PackageCoverage[],
  thresholds: Readonly<Record<string, Thresholds | undefined>>,
): string[] {
  const width = Math.max(0, ...packages.map(({ name }) => name.length));
  return packages.map(({ name, counts }) => {
    const limits = thresholds[thresholdKey(name)];
    const parts = METRICS.map((metric) => {
      const limit = limits?.[metric];
      return `${metric} ${percent(counts[metric])} %${limit === undefined ? '' : ` (≥ ${limit})`}`;
    });
    const missed = METRICS.filter((metric) => {
      const limit = limits?.[metric];
      return limit !== undefined && percent(counts[metric]) < limit;
    });
    const verdict =
      limits === undefined
        ? 'no threshold'
        : missed.length === 0
          ? 'met'
          : `MISSED: ${missed.join(', ')}`;
    return `Coverage ${name.padEnd(width)}  ${parts.join(' · ')} · ${verdict}`;
  });
}
