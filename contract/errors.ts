/**
 * Failure types that cross the workflow boundary, spelled once. Activities throw them as
 * ApplicationFailure types; workflows and retry profiles classify failures by them.
 */
export const ErrorType = {
  /** A rule whose action is `fail` was broken: the batch is failed without retrying. */
  DataQualityFailure: 'DataQualityFailure',
  /** A batch's raw input or its done file is gone: retrying cannot bring it back. */
  RawBatchMissing: 'RawBatchMissing',
  /** An activity was given a reference it must not act on (bad id, topic or path). */
  InvalidInput: 'InvalidInput',
  /** The worker that took the task writes another lake; a worker with the right lake must take it. */
  WrongLake: 'WrongLake',
  /** A raw batch whose messages were read but which failed to land attempt after attempt. */
  IngestBatchFailed: 'IngestBatchFailed',
  /** A lake file the pipeline wrote (batch plan, done file, lake identity) is damaged or foreign. */
  CorruptFile: 'CorruptFile',
  /** An operator stopped the ingest a scheduled run was waiting for: the run ends, the next one goes on. */
  IngestStopped: 'IngestStopped',
} as const;
export type ErrorType = (typeof ErrorType)[keyof typeof ErrorType];

/** Failures that retrying cannot fix: the batch is recorded as failed instead. */
export const PERMANENT_ERROR_TYPES: readonly ErrorType[] = [ErrorType.DataQualityFailure, ErrorType.RawBatchMissing, ErrorType.InvalidInput];
