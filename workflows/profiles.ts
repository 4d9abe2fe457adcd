/**
 * Named timeout and retry profiles, one per kind of activity. Short heartbeat timeouts matter:
 * they are how Temporal notices a crashed worker and retries its activity elsewhere.
 */
import type { ActivityOptions } from '@temporalio/workflow';
import { PERMANENT_ERROR_TYPES } from '../contract/errors';

/** Talking to Kafka: keep trying while the broker is away; waiting is the right thing to do. */
export const kafkaProfile: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', nonRetryableErrorTypes: [...PERMANENT_ERROR_TYPES] },
};

/** Starting or signalling client workflows. */
export const dispatchProfile: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/** Reading and writing the lake for one client batch: a few retries, then the batch is failed. */
export const lakeProfile: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '30 seconds',
    maximumAttempts: 6,
    nonRetryableErrorTypes: [...PERMANENT_ERROR_TYPES],
  },
};

/**
 * A client run through bronze, silver and gold in one activity: the three layers share one
 * start-to-close budget and one count of attempts, and a run may hold tens of thousands of records.
 */
export const clientRunProfile: ActivityOptions = { ...lakeProfile, startToCloseTimeout: '30 minutes' };

/**
 * A lake step that only workers of another lake took: retried without limit, since only the
 * right worker can run it. Once one does, its own failures are retried the same way, the batch
 * staying in progress (and visible as such) rather than failed.
 */
export const waitForLakeProfile: ActivityOptions = {
  ...lakeProfile,
  retry: { ...lakeProfile.retry, maximumAttempts: Number.POSITIVE_INFINITY },
};

/**
 * Compacting a client's files between runs: a few tries, then it waits for the next turn (the
 * tables are as good uncompacted, only slower to read).
 */
export const compactionProfile: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 3 },
};

/** Compensation and bookkeeping after a failure: must eventually happen. */
export const bookkeepingProfile: ActivityOptions = {
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '20 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' },
};

/** Events after which a workflow continues as new by default, keeping its history small and bounded. */
export const DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS = 2000;

/**
 * Waiting on other workflows (a scheduled run waiting for the ingest and the client): one long
 * activity that polls and heartbeats, so the wait adds nothing to the history. Retried without
 * limit: the wait is over only when the work is.
 */
export const watchProfile: ActivityOptions = {
  startToCloseTimeout: '6 hours',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
};

/** Rebuilding a client's tables (`pipeline refresh`): long, so it heartbeats; a few retries, then the refresh fails and the old tables stay. */
export const refreshProfile: ActivityOptions = {
  ...lakeProfile,
  startToCloseTimeout: '6 hours',
  retry: { ...lakeProfile.retry, maximumAttempts: 3 },
};
