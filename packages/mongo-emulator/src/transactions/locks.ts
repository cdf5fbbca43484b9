import type { Transaction } from './transaction.js';

/**
 * The write locks of the open transactions: which transaction wrote a document, a unique index key
 * or created a collection, until it ends. A second writer of the same resource conflicts (a
 * transaction) or waits (a plain write), as with mongod's document-level concurrency.
 *
 * It also remembers, while any transaction is open, the write sequence number of the last
 * committed write of each resource: a transaction that writes a resource changed after its
 * snapshot conflicts too (first writer wins).
 */
export class LockTable {
  private readonly owners = new Map<string, Transaction>();
  private readonly lockedPerNamespace = new Map<string, number>();
  private readonly committed = new Map<string, number>();
  private sequence = 0;

  /** The write sequence number: a snapshot taken now sees writes up to it. */
  get currentSeq(): number {
    return this.sequence;
  }

  /** The open transaction holding `resource`, if any. */
  ownerOf(resource: string): Transaction | undefined {
    return this.owners.get(resource);
  }

  /** True when a write to `resource` committed after a snapshot taken at `snapshotSeq`. */
  changedSince(resource: string, snapshotSeq: number): boolean {
    return (this.committed.get(resource) ?? 0) > snapshotSeq;
  }

  /** Gives `resource` (in namespace `ns`) to `transaction` until it ends. */
  acquire(transaction: Transaction, resource: string, ns: string): void {
    if (this.owners.has(resource)) return;
    this.owners.set(resource, transaction);
    transaction.resources.add(resource);
    this.lockedPerNamespace.set(ns, (this.lockedPerNamespace.get(ns) ?? 0) + 1);
  }

  /** Releases every lock of `transaction`. */
  releaseAll(transaction: Transaction): void {
    for (const resource of transaction.resources) {
      this.owners.delete(resource);
      const ns = namespaceOf(resource);
      const left = (this.lockedPerNamespace.get(ns) ?? 1) - 1;
      if (left > 0) this.lockedPerNamespace.set(ns, left);
      else this.lockedPerNamespace.delete(ns);
    }
    transaction.resources.clear();
  }

  /** True while an open transaction holds a lock in `ns`. */
  namespaceLocked(ns: string): boolean {
    return this.lockedPerNamespace.has(ns);
  }

  /** Records committed writes of these resources (only needed while transactions are open). */
  recordCommitted(resources: readonly string[]): void {
    this.sequence += 1;
    for (const resource of resources) this.committed.set(resource, this.sequence);
  }

  /** Forgets the committed-write history (no open transaction can conflict with it any more). */
  forgetCommitted(): void {
    this.committed.clear();
  }
}

/** The lock of one document (by its `_id` hash). */
export function documentResource(ns: string, idKey: string): string {
  return `${ns}\u0000d\u0000${idKey}`;
}

/** The lock of one key of a unique index. */
export function uniqueKeyResource(ns: string, indexName: string, keyHash: string): string {
  return `${ns}\u0000k\u0000${indexName}\u0000${keyHash}`;
}

/** The lock of creating the collection `ns`. */
export function collectionResource(ns: string): string {
  return `${ns}\u0000c`;
}

function namespaceOf(resource: string): string {
  return resource.slice(0, resource.indexOf('\u0000'));
}
