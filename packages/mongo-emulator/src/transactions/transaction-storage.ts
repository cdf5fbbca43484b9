import type { Document } from 'bson';
import type { StorageView } from '../commands/context.js';
import type { BsonValue } from '../query/bson-types.js';
import { cloneValue } from '../query/clone.js';
import type { Collection } from '../storage/collection.js';
import type { Database } from '../storage/database.js';
import { notAllowedInTransaction } from './errors.js';
import type { Access, Transaction } from './transaction.js';

/**
 * What one statement of a transaction sees as the server's storage: the transaction's snapshot.
 * Collections read as the transaction sees them; writes go to its copies; a collection created
 * here exists only in the transaction until it commits.
 */
export class TransactionStorage implements StorageView {
  private readonly transaction: Transaction;
  private readonly access: Access;
  private readonly beforeCreate: (transaction: Transaction, ns: string) => void;

  /**
   * @param beforeCreate called before the transaction creates a collection (takes its lock;
   *   throws on a conflict).
   */
  constructor(
    transaction: Transaction,
    access: Access,
    beforeCreate: (transaction: Transaction, ns: string) => void,
  ) {
    this.transaction = transaction;
    this.access = access;
    this.beforeCreate = beforeCreate;
  }

  collection(db: string, name: string): Collection | undefined {
    return this.transaction.collection(db, name, this.access);
  }

  ensureCollection(db: string, name: string): { collection: Collection; created: boolean } {
    const existing = this.collection(db, name);
    if (existing !== undefined) return { collection: existing, created: false };
    return { collection: this.createCollection(db, name, {}), created: true };
  }

  createCollection(db: string, name: string, options: Document): Collection {
    this.beforeCreate(this.transaction, `${db}.${name}`);
    return this.transaction.createCollection(db, name, options);
  }

  findById(db: string, coll: string, id: unknown): Document | undefined {
    const doc = this.collection(db, coll)?.findById(id as BsonValue);
    return doc === undefined ? undefined : cloneValue(doc);
  }

  /**
   * Nothing is reported while the transaction runs: the collections and indexes it creates are
   * reported when it commits (see `applyTransactionWrites`).
   */
  recordDefinitionChange(): void {}

  // The catalog commands below cannot run in a transaction (the dispatcher refuses them first).

  database(name: string): Database | undefined {
    throw notAllowedInTransaction(`Cannot list the collections of '${name}' in a transaction.`);
  }

  listDatabases(): Database[] {
    throw notAllowedInTransaction("Cannot run 'listDatabases' in a multi-document transaction.");
  }

  dropCollection(db: string, name: string): Collection | undefined {
    throw notAllowedInTransaction(`Cannot drop ${db}.${name} in a multi-document transaction.`);
  }

  renameCollection(db: string, from: string): Collection | undefined {
    throw notAllowedInTransaction(`Cannot rename ${db}.${from} in a multi-document transaction.`);
  }

  dropDatabase(db: string): void {
    throw notAllowedInTransaction(
      `Cannot drop the database ${db} in a multi-document transaction.`,
    );
  }
}
