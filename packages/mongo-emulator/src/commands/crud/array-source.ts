import type { Document } from 'bson';
import type { CursorBatch, CursorSource } from '../context.js';

/** A cursor source over a computed result. */
export class ArraySource implements CursorSource {
  private readonly documents: Document[];
  private position = 0;

  constructor(documents: Document[]) {
    this.documents = documents;
  }

  async nextBatch(batchSize: number | undefined): Promise<CursorBatch> {
    const end =
      batchSize === undefined
        ? this.documents.length
        : Math.min(this.documents.length, this.position + batchSize);
    const documents = this.documents.slice(this.position, end);
    this.position = end;
    return { documents, exhausted: this.position >= this.documents.length };
  }

  close(): void {
    this.position = this.documents.length;
  }
}
