import { type Document, Timestamp } from 'bson';
import { CommandError, ErrorCode, notSupported } from '../errors.js';
import { ChangeStreamErrorCode } from './errors.js';
import type { FullDocumentMode } from './events.js';
import { decodeResumeToken, type ResumePoint } from './resume-token.js';

/** Where the user asked the stream to start. */
export type StartRequest =
  | { readonly kind: 'now' }
  | { readonly kind: 'resumeAfter'; readonly point: ResumePoint }
  | { readonly kind: 'startAfter'; readonly point: ResumePoint }
  | { readonly kind: 'startAtOperationTime'; readonly time: Timestamp };

/** The parsed `$changeStream` stage. */
export interface ChangeStreamSpec {
  fullDocument: FullDocumentMode;
  allChangesForCluster: boolean;
  /** Also report `create`, `createIndexes`, `dropIndexes`, `modify`, and the expanded fields. */
  showExpandedEvents: boolean;
  start: StartRequest;
}

const KNOWN_FIELDS = new Set([
  'fullDocument',
  'fullDocumentBeforeChange',
  'resumeAfter',
  'startAfter',
  'startAtOperationTime',
  'allChangesForCluster',
  'showExpandedEvents',
  'allowToRunOnConfigDB',
  'allowToRunOnSystemNS',
]);

function unknownField(name: string): CommandError {
  return new CommandError(
    ChangeStreamErrorCode.UnknownField,
    `BSON field '$changeStream.${name}' is an unknown field.`,
  );
}

function wrongType(name: string, expected: string): CommandError {
  return new CommandError(
    ErrorCode.TypeMismatch,
    `BSON field '$changeStream.${name}' is the wrong type, expected type '${expected}'`,
  );
}

function parseFullDocument(value: unknown): FullDocumentMode {
  if (value === undefined || value === 'default') return 'default';
  if (typeof value !== 'string') throw wrongType('fullDocument', 'string');
  if (value === 'updateLookup') return 'updateLookup';
  if (value === 'whenAvailable' || value === 'required') {
    throw notSupported(`$changeStream fullDocument: '${value}'`);
  }
  throw new CommandError(
    ErrorCode.BadValue,
    `Enumeration value '${value}' for field '$changeStream.fullDocument' is not a valid value.`,
  );
}

function parseFlag(spec: Document, name: string): boolean {
  const value = spec[name];
  if (value === undefined) return false;
  if (typeof value !== 'boolean') throw wrongType(name, 'bool');
  return value;
}

function parseStart(spec: Document): StartRequest {
  const present = ['resumeAfter', 'startAfter', 'startAtOperationTime'].filter(
    (name) => spec[name] !== undefined,
  );
  if (present.length > 1) {
    throw new CommandError(
      ChangeStreamErrorCode.MultipleResumeOptions,
      'Only one type of resume option is allowed, but multiple were found.',
    );
  }
  if (spec.resumeAfter !== undefined) {
    return { kind: 'resumeAfter', point: decodeResumeToken(spec.resumeAfter, 'resumeAfter') };
  }
  if (spec.startAfter !== undefined) {
    return { kind: 'startAfter', point: decodeResumeToken(spec.startAfter, 'startAfter') };
  }
  if (spec.startAtOperationTime !== undefined) {
    const time = spec.startAtOperationTime;
    if (!(time instanceof Timestamp)) throw wrongType('startAtOperationTime', 'timestamp');
    return { kind: 'startAtOperationTime', time };
  }
  return { kind: 'now' };
}

/** Parses and checks the `$changeStream` stage's specification, as MongoDB does. */
export function parseChangeStreamSpec(spec: unknown): ChangeStreamSpec {
  if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
    throw new CommandError(50808, '$changeStream stage expects a document as argument');
  }
  const document = spec as Document;
  for (const name of Object.keys(document)) {
    if (!KNOWN_FIELDS.has(name)) throw unknownField(name);
  }
  const beforeChange = document.fullDocumentBeforeChange;
  if (beforeChange !== undefined && beforeChange !== 'off') {
    throw notSupported(`$changeStream fullDocumentBeforeChange: ${JSON.stringify(beforeChange)}`);
  }
  if (parseFlag(document, 'allowToRunOnConfigDB') || parseFlag(document, 'allowToRunOnSystemNS')) {
    throw notSupported('$changeStream on internal namespaces');
  }
  return {
    fullDocument: parseFullDocument(document.fullDocument),
    allChangesForCluster: parseFlag(document, 'allChangesForCluster'),
    showExpandedEvents: parseFlag(document, 'showExpandedEvents'),
    start: parseStart(document),
  };
}
