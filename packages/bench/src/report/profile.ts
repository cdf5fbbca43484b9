import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfileSummary } from '../results.js';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

function isCpuProfile(value: unknown): value is CpuProfile {
  return (
    typeof value === 'object' &&
    value !== null &&
    'nodes' in value &&
    Array.isArray(value.nodes) &&
    'samples' in value &&
    Array.isArray(value.samples) &&
    'timeDeltas' in value &&
    Array.isArray(value.timeDeltas)
  );
}

/** `name file:line`, with the path cut to the package (no machine paths in the results). */
function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const path = url.replace(/^file:\/\//, '');
  const packageAt = path.lastIndexOf('node_modules/');
  const packagesAt = path.lastIndexOf('packages/');
  const short =
    packageAt >= 0
      ? path.slice(packageAt + 'node_modules/'.length)
      : packagesAt >= 0
        ? path.slice(packagesAt)
        : path.split('/').slice(-2).join('/');
  return `${functionName || '(anonymous)'} ${short}${short === '' ? '' : `:${lineNumber + 1}`}`;
}

/** Self time per frame of one .cpuprofile, top `count`. */
export function summarizeProfile(file: string, process: string, count = 15): ProfileSummary {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!isCpuProfile(parsed)) {
    throw new Error(`${file} is not a V8 CPU profile`);
  }
  const selfById = new Map<number, number>();
  parsed.samples.forEach((id, index) => {
    selfById.set(id, (selfById.get(id) ?? 0) + (parsed.timeDeltas[index] ?? 0));
  });
  const selfByFrame = new Map<string, number>();
  let total = 0;
  for (const node of parsed.nodes) {
    const self = selfById.get(node.id) ?? 0;
    total += self;
    const frame = frameName(node);
    selfByFrame.set(frame, (selfByFrame.get(frame) ?? 0) + self);
  }
  const top = [...selfByFrame]
    .filter(([frame]) => !frame.startsWith('(idle)'))
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, micros]) => ({
      frame,
      selfMs: Math.round(micros / 1000),
      percent: Math.round((1000 * micros) / Math.max(1, total)) / 10,
    }));
  return { process, totalMs: Math.round(total / 1000), top };
}

/** Summaries of every .cpuprofile in `directory`. */
export function summarizeProfiles(directory: string, process: string): ProfileSummary[] {
  let files: string[];
  try {
    files = readdirSync(directory).filter((file) => file.endsWith('.cpuprofile'));
  } catch {
    return [];
  }
  return files.map((file) => summarizeProfile(join(directory, file), `${process} (${file})`));
}
