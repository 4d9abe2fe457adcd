/**
 * Asking Temporal about a workflow that may not exist: a known client never started, or an
 * ingest before its first start, is an answer here, not an error.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';

/** The result of `fn`, or null when the workflow it asks about does not exist. */
export async function unlessNotFound<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return null;
    throw e;
  }
}

/** The workflow's description (its newest run), or null when it does not exist. */
export function describeIfExists(handle: WorkflowHandle): Promise<WorkflowExecutionDescription | null> {
  return unlessNotFound(() => handle.describe());
}

/** Whether the workflow's newest run is running. */
export async function isRunning(handle: WorkflowHandle): Promise<boolean> {
  return (await describeIfExists(handle))?.status.name === 'RUNNING';
}
