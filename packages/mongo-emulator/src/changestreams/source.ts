import { calculateObjectSize, type Document, type Timestamp } from 'bson';
import type { CursorBatch, CursorSource } from '../commands/context.js';
import type { ChangeLog, LogEntry } from './change-log.js';
import { modifiedIdError } from './errors.js';
import {
  buildChangeEvent,
  buildInvalidateEvent,
  type DocumentLookup,
  EXPANDED_EVENT_TYPES,
  type FullDocumentMode,
} from './events.js';
import type { EventPipeline } from './pipeline.js';
import { encodeResumeToken } from './resume-token.js';
import { classify, type StreamScope } from './scope.js';
import { compareTimestamps, maxTimestamp } from './timestamps.js';
import { deepEqual } from './values.js';

/** Where a change stream starts reading the log. */
export interface StartPosition {
  /** Report entries after this sequence number… */
  afterSeq: number;
  /** …whose cluster time is at or after this time. */
  minTime: Timestamp;
  /**
   * Outputs of the entry `afterSeq + 1` whose token is at or before this `_data` are skipped
   * (resuming after an event that is followed by an invalidate).
   */
  skipThrough?: string;
}

/** What a {@link ChangeStreamSource} needs. */
export interface ChangeStreamSourceOptions {
  log: ChangeLog;
  scope: StreamScope;
  pipeline: EventPipeline;
  fullDocument: FullDocumentMode;
  /** `showExpandedEvents`: DDL events and the expanded fields are reported. */
  expanded?: boolean;
  lookup: DocumentLookup;
  start: StartPosition;
}

interface Output {
  document: Document;
  token: Document;
}

/** MongoDB's limit for the documents of one reply batch. */
const MAX_BATCH_BYTES = 16 * 1024 * 1024;

/**
 * The cursor source of one change stream: reads the change log from its position, turns the
 * writes its scope sees into events, runs them through the user's pipeline, and — for an awaiting
 * `getMore` — resolves as soon as an event arrives (woken by the log, not by polling).
 */
export class ChangeStreamSource implements CursorSource {
  private readonly options: ChangeStreamSourceOptions;
  private afterSeq: number;
  private positionTime: Timestamp;
  private skipThrough: string | undefined;
  private readonly pending: Output[] = [];
  private invalidated = false;
  private closed = false;
  private cancelWait: (() => void) | undefined;

  constructor(options: ChangeStreamSourceOptions) {
    this.options = options;
    this.afterSeq = options.start.afterSeq;
    this.positionTime = options.start.minTime;
    this.skipThrough = options.start.skipThrough;
  }

  /** Returns the events available now; when none are and `awaitDataMs` is set, waits for one. */
  nextBatch(batchSize: number | undefined, awaitDataMs: number | undefined): Promise<CursorBatch> {
    let batch: CursorBatch;
    try {
      batch = this.collect(batchSize);
    } catch (error) {
      return Promise.reject(error);
    }
    if (batch.documents.length > 0 || batch.exhausted || this.closed) return Promise.resolve(batch);
    if (awaitDataMs === undefined || awaitDataMs <= 0 || batchSize === 0) {
      return Promise.resolve(batch);
    }
    return this.waitForEvents(batchSize, awaitDataMs);
  }

  /** Ends a pending wait (with an empty batch). */
  close(): void {
    this.closed = true;
    this.cancelWait?.();
  }

  private waitForEvents(batchSize: number | undefined, awaitDataMs: number): Promise<CursorBatch> {
    return new Promise<CursorBatch>((resolve, reject) => {
      let settled = false;
      const finish = (produce: () => CursorBatch): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        unsubscribe();
        this.cancelWait = undefined;
        try {
          resolve(produce());
        } catch (error) {
          reject(error);
        }
      };
      const unsubscribe = this.options.log.onAppend(() => {
        if (settled) return;
        let batch: CursorBatch;
        try {
          batch = this.collect(batchSize);
        } catch (error) {
          settled = true;
          clearTimeout(timer);
          unsubscribe();
          this.cancelWait = undefined;
          reject(error);
          return;
        }
        if (batch.documents.length > 0 || batch.exhausted) finish(() => batch);
      });
      const timer = setTimeout(() => finish(() => this.collect(batchSize)), awaitDataMs);
      this.cancelWait = () => finish(() => this.emptyBatch());
    });
  }

  private emptyBatch(): CursorBatch {
    return { documents: [], exhausted: false, postBatchResumeToken: this.positionToken() };
  }

  /** Takes up to `batchSize` outputs from the pending queue and the log, without waiting. */
  private collect(batchSize: number | undefined): CursorBatch {
    const limit = batchSize ?? Number.POSITIVE_INFINITY;
    const documents: Document[] = [];
    let bytes = 0;
    let lastToken: Document | undefined;
    let full = false;
    while (!this.closed) {
      if (documents.length >= limit) {
        full = true;
        break;
      }
      const output = this.pending[0];
      if (output !== undefined) {
        const size = calculateObjectSize(output.document);
        if (documents.length > 0 && bytes + size > MAX_BATCH_BYTES) {
          full = true;
          break;
        }
        this.pending.shift();
        documents.push(output.document);
        bytes += size;
        lastToken = output.token;
        continue;
      }
      if (this.invalidated) break;
      const entry = this.options.log.entry(this.afterSeq + 1);
      if (entry === undefined) break;
      this.afterSeq = entry.seq;
      this.positionTime = maxTimestamp(this.positionTime, entry.record.clusterTime);
      this.pending.push(...this.process(entry));
    }
    const exhausted = this.invalidated && this.pending.length === 0;
    const postBatchResumeToken =
      (full || exhausted) && lastToken !== undefined ? lastToken : this.positionToken();
    return { documents, exhausted, postBatchResumeToken };
  }

  /** The token of the current position: after every entry read so far. */
  private positionToken(): Document {
    return encodeResumeToken({
      clusterTime: this.positionTime,
      seq: this.afterSeq,
      kind: 'position',
    });
  }

  /** Turns one log entry into the outputs this stream reports for it. */
  private process(entry: LogEntry): Output[] {
    const { scope, pipeline, fullDocument, lookup, start } = this.options;
    const { record } = entry;
    const skipThrough = this.skipThrough;
    this.skipThrough = undefined;
    if (compareTimestamps(record.clusterTime, start.minTime) < 0) return [];
    const expanded = this.options.expanded === true;
    if (!expanded && EXPANDED_EVENT_TYPES.has(record.operationType)) return [];
    const verdict = classify(scope, record);
    if (!verdict.report && !verdict.invalidate) return [];
    const outputs: Output[] = [];
    if (verdict.report) {
      const eventToken = encodeResumeToken({
        clusterTime: record.clusterTime,
        seq: entry.seq,
        kind: 'event',
      });
      outputs.push({
        token: eventToken,
        document: buildChangeEvent(record, eventToken, fullDocument, lookup, expanded),
      });
    }
    if (verdict.invalidate) {
      this.invalidated = true;
      const invalidateToken = encodeResumeToken({
        clusterTime: record.clusterTime,
        seq: entry.seq,
        kind: 'invalidate',
      });
      outputs.push({
        token: invalidateToken,
        document: buildInvalidateEvent(record, invalidateToken),
      });
    }
    const results: Output[] = [];
    for (const output of outputs) {
      if (skipThrough !== undefined && (output.token._data as string) <= skipThrough) continue;
      const document = pipeline.apply(output.document);
      if (document === null) continue;
      if (!deepEqual(document._id, output.token)) throw modifiedIdError();
      results.push({ document, token: output.token });
    }
    return results;
  }
}
