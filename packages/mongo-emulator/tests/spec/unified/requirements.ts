import type { Document } from 'bson';

/** What the emulator reports itself as, for `runOnRequirements`. */
export interface ServerFacts {
  version: string;
  topology: 'single' | 'replicaset' | 'sharded' | 'load-balanced';
}

function compareVersions(a: string, b: string): number {
  const left = a.split('.').map(Number);
  const right = b.split('.').map(Number);
  for (let index = 0; index < Math.max(left.length, right.length); index += 1) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** Why one requirement entry does not match the server, or undefined when it matches. */
function mismatch(requirement: Document, server: ServerFacts): string | undefined {
  const { minServerVersion, maxServerVersion, topologies, serverless } = requirement;
  if (
    typeof minServerVersion === 'string' &&
    compareVersions(server.version, minServerVersion) < 0
  ) {
    return `needs server >= ${minServerVersion}`;
  }
  if (
    typeof maxServerVersion === 'string' &&
    compareVersions(server.version, maxServerVersion) > 0
  ) {
    return `needs server <= ${maxServerVersion}`;
  }
  if (Array.isArray(topologies) && !topologies.includes(server.topology)) {
    return `needs topology ${topologies.join('/')}`;
  }
  if (serverless === 'require') return 'needs serverless';
  if (requirement.auth === true || requirement.authMechanism !== undefined)
    return 'needs authentication';
  if (requirement.csfle !== undefined && requirement.csfle !== false) return 'needs CSFLE';
  if (requirement.serverParameters !== undefined) return 'needs server parameters';
  return undefined;
}

/** Why the requirements (any entry may match) are not met, or undefined when they are. */
export function unmetRequirements(
  requirements: Document[] | undefined,
  server: ServerFacts,
): string | undefined {
  if (requirements === undefined || requirements.length === 0) return undefined;
  const reasons: string[] = [];
  for (const requirement of requirements) {
    const reason = mismatch(requirement, server);
    if (reason === undefined) return undefined;
    reasons.push(reason);
  }
  return reasons.join('; or ');
}
