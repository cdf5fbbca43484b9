/** Where a process spent its CPU time during one run (from a V8 CPU profile). */
export interface ProfileSummary {
  /** Which process and run. */
  readonly process: string;
  /** Sampled time, idle included (ms). */
  readonly totalMs: number;
  /** Share of the sampled time not idle (%); the profiler's own work counts as idle. */
  readonly busyPercent: number;
  /** Self time by package (the driver, the library, node internals, GC …), largest first. */
  readonly byPackage: readonly { readonly name: string; readonly percent: number }[];
  /** Top self-time frames. */
  readonly top: readonly {
    readonly selfMs: number;
    readonly percent: number;
    readonly frame: string;
  }[];
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

/** The parts of a V8 `.cpuprofile` the summary reads. */
export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

/** The path of a frame's script from its package on (no machine paths in the results). */
function shortPath(url: string): string {
  const path = url.replace(/^file:\/\//, '');
  const modulesAt = path.lastIndexOf('node_modules/');
  if (modulesAt >= 0) {
    return path.slice(modulesAt + 'node_modules/'.length);
  }
  const packagesAt = path.lastIndexOf('packages/');
  if (packagesAt >= 0) {
    return path.slice(packagesAt);
  }
  return path.split('/').slice(-2).join('/');
}

const WORKSPACE_PACKAGES: Readonly<Record<string, string>> = {
  core: '@monque/core',
  'mongo-emulator': '@monque/mongo-emulator',
  bench: 'benchmark harness',
};

/** The package a frame belongs to. */
export function packageOf(frame: ProfileNode['callFrame']): string {
  const { url, functionName } = frame;
  if (url === '') {
    return functionName.startsWith('(') ? functionName : 'native code (syscalls, builtins)';
  }
  if (url.startsWith('node:')) {
    return 'node internals';
  }
  const path = shortPath(url);
  if (url.includes('node_modules/')) {
    const parts = path.split('/');
    return (parts[0]?.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]) ?? path;
  }
  if (path.startsWith('packages/')) {
    const name = path.split('/')[1] ?? '';
    return WORKSPACE_PACKAGES[name] ?? `packages/${name}`;
  }
  return 'other';
}

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const path = url === '' ? '' : shortPath(url);
  return `${functionName || '(anonymous)'}${path === '' ? '' : ` ${path}:${lineNumber + 1}`}`;
}

const IDLE = '(idle)';

/**
 * Time the profiler itself costs: the in-process inspector session's `dispatch` (a native frame)
 * of Profiler.start / Profiler.stop. Counted like idle time.
 */
function isProfilerOverhead(frame: ProfileNode['callFrame']): boolean {
  return frame.functionName === 'dispatch' && frame.url === '';
}

/** Self time per frame and per package of a profile, top `count` frames. */
export function summarizeProfile(profile: CpuProfile, process: string, count = 12): ProfileSummary {
  const selfById = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, index) => {
    selfById.set(id, (selfById.get(id) ?? 0) + Math.max(0, deltas[index] ?? 0));
  });
  const selfByFrame = new Map<string, number>();
  const selfByPackage = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const node of profile.nodes) {
    const self = selfById.get(node.id) ?? 0;
    total += self;
    if (node.callFrame.functionName === IDLE || isProfilerOverhead(node.callFrame)) {
      idle += self;
      continue;
    }
    const frame = frameName(node);
    selfByFrame.set(frame, (selfByFrame.get(frame) ?? 0) + self);
    const pkg = packageOf(node.callFrame);
    selfByPackage.set(pkg, (selfByPackage.get(pkg) ?? 0) + self);
  }
  const percent = (micros: number): number => Math.round((1000 * micros) / Math.max(1, total)) / 10;
  const top = [...selfByFrame]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, micros]) => ({
      frame,
      selfMs: Math.round(micros / 1000),
      percent: percent(micros),
    }));
  const byPackage = [...selfByPackage]
    .sort((a, b) => b[1] - a[1])
    .filter(([, micros]) => percent(micros) >= 0.5)
    .map(([name, micros]) => ({ name, percent: percent(micros) }));
  return {
    process,
    totalMs: Math.round(total / 1000),
    busyPercent: percent(total - idle),
    byPackage,
    top,
  };
}
