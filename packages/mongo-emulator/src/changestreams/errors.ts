import { CommandError } from '../errors.js';

/** Change-stream error codes MongoDB answers with (codes not in the shared `ErrorCode` table). */
export const ChangeStreamErrorCode = {
  InvalidResumeToken: 260,
  ChangeStreamFatalError: 280,
  ChangeStreamHistoryLost: 286,
  UnrecognizedStage: 40324,
  UnknownField: 40415,
  StandaloneOnly: 40573,
  FirstStageOnly: 40602,
  MultipleResumeOptions: 40674,
} as const;

/** `$changeStream` on a server that is not a replica set member. */
export function standaloneError(): CommandError {
  return new CommandError(
    ChangeStreamErrorCode.StandaloneOnly,
    'The $changeStream stage is only supported on replica sets',
  );
}

/** A change-stream error that can never be resumed from (error 280). */
export function fatalError(message: string): CommandError {
  return new CommandError(ChangeStreamErrorCode.ChangeStreamFatalError, message, {
    codeName: 'ChangeStreamFatalError',
    errorLabels: ['NonResumableChangeStreamError'],
  });
}

/** The resume point is older than the oldest change the server still keeps (error 286). */
export function historyLostError(): CommandError {
  return new CommandError(
    ChangeStreamErrorCode.ChangeStreamHistoryLost,
    'Resume of change stream was not possible, as the resume point may no longer be in the oplog.',
    { codeName: 'ChangeStreamHistoryLost', errorLabels: ['NonResumableChangeStreamError'] },
  );
}

/** The pipeline replaced or removed an event's `_id` (its resume token). */
export function modifiedIdError(): CommandError {
  return fatalError(
    'Encountered an event whose _id field, which contains the resume token, was modified by the pipeline. Modifying the _id field of an event makes it impossible to resume the stream from that point. Only transformations that retain the unmodified _id field are allowed.',
  );
}

/** `resumeAfter` pointing at an invalidate event. */
export function resumeAfterInvalidateError(): CommandError {
  return new CommandError(
    ChangeStreamErrorCode.InvalidResumeToken,
    "Attempting to resume a change stream using 'resumeAfter' is not allowed from an invalidate notification.",
    { codeName: 'InvalidResumeToken' },
  );
}
