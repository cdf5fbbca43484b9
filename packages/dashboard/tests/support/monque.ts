import { Monque } from '@monque/core';
import type { Db } from 'mongodb';

/**
 * A Monque instance on `collectionName` that is never started, as a web process holds one to
 * show and operate a queue that other processes work on.
 */
export function idleMonque(db: Db, collectionName: string): Monque {
  return new Monque(db, { collectionName, recoverStaleJobs: false });
}
