/**
 * Running one lake step of a batch, and classifying how a step failed. Workflow code only.
 */
import { ActivityFailure, ApplicationFailure, log, patched } from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import { ErrorType } from '../contract/errors';
import { lakeProfile, waitForLakeProfile } from './profiles';

/** Workflows from before this marker failed a batch whose step kept reaching the wrong lake. */
const WRONG_LAKE_WAITS = 'wrong-lake-waits';

function isWrongLake(err: unknown): boolean {
  return err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.type === ErrorType.WrongLake;
}

/**
 * Runs a lake step with its profile's few retries (the lake profile unless given). A step that ran
 * out of them on workers of another lake says nothing about the batch: it is run again, retried
 * until a worker with the right lake takes it (in one activity, so the wait adds nothing to the
 * history). Its own failures are then retried without limit too, the batch staying in progress:
 * for a run through all layers, that holds for all three.
 */
export async function lakeStep<T>(
  summary: string,
  run: (options: ActivityOptions) => Promise<T>,
  profile: ActivityOptions = lakeProfile,
): Promise<T> {
  try {
    return await run({ ...profile, summary });
  } catch (err) {
    if (!isWrongLake(err) || !patched(WRONG_LAKE_WAITS)) throw err;
    log.warn('only workers of another lake took this step; waiting for one with the right lake', { summary });
    return run({ ...profile, retry: waitForLakeProfile.retry, summary });
  }
}

/** The type and message a failed batch is recorded with: the activity's own failure, unwrapped. */
export function failureOf(err: unknown): { errorType: string; message: string } {
  const cause = err instanceof ActivityFailure && err.cause ? err.cause : err;
  const errorType = cause instanceof ApplicationFailure ? (cause.type ?? 'ApplicationFailure') : ((cause as Error).name ?? 'Error');
  const message = (cause as Error).message ?? String(cause);
  return { errorType, message };
}
