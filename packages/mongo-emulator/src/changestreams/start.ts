import type { LogicalClock } from '../clock.js';
import type { ChangeLog } from './change-log.js';
import { fatalError, historyLostError, resumeAfterInvalidateError } from './errors.js';
import type { StartRequest } from './options.js';
import { encodeResumeToken, type ResumePoint } from './resume-token.js';
import type { StartPosition } from './source.js';
import { compareTimestamps } from './timestamps.js';

function tokenNotFound(point: ResumePoint): Error {
  const data = encodeResumeToken(point)._data;
  return fatalError(`cannot resume stream; the resume token was not found. {_data: "${data}"}`);
}

function afterPoint(point: ResumePoint, log: ChangeLog, startAfter: boolean): StartPosition {
  if (point.kind === 'invalidate' && !startAfter) throw resumeAfterInvalidateError();
  if (point.kind === 'position' || point.kind === 'invalidate') {
    if (point.seq < log.firstSeq - 1) throw historyLostError();
    if (point.seq > log.lastSeq) throw tokenNotFound(point);
    return { afterSeq: point.seq, minTime: point.clusterTime };
  }
  if (point.seq < log.firstSeq) throw historyLostError();
  const entry = log.entry(point.seq);
  if (entry === undefined || compareTimestamps(entry.record.clusterTime, point.clusterTime) !== 0) {
    throw tokenNotFound(point);
  }
  return {
    afterSeq: point.seq - 1,
    minTime: point.clusterTime,
    skipThrough: encodeResumeToken(point)._data,
  };
}

/**
 * Turns the requested start (now, a resume token or an operation time) into a position in the
 * log, with MongoDB's errors for a token that is unknown (280) or too old (286).
 */
export function resolveStart(
  request: StartRequest,
  log: ChangeLog,
  clock: LogicalClock,
): StartPosition {
  switch (request.kind) {
    case 'now':
      return { afterSeq: log.lastSeq, minTime: clock.now() };
    case 'resumeAfter':
      return afterPoint(request.point, log, false);
    case 'startAfter':
      return afterPoint(request.point, log, true);
    case 'startAtOperationTime': {
      const oldest = log.entry(log.firstSeq);
      const trimmed = log.firstSeq > 1;
      if (
        trimmed &&
        oldest !== undefined &&
        compareTimestamps(request.time, oldest.record.clusterTime) < 0
      ) {
        throw historyLostError();
      }
      return { afterSeq: log.firstSeqAtOrAfter(request.time) - 1, minTime: request.time };
    }
  }
}
