/**
 * Asking workflows for their status: whether a worker can answer at all, a deadline per query,
 * and, when no answer comes, why, in words an operator can act on.
 */
import { isGrpcDeadlineError, isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { ResolvedConfig } from '../../config/schema';
import { PIPELINE_STATE } from '../../contract/search-attributes';
import type { ClientStatus } from '../../contract/types';

export const NO_WORKER = 'no worker answered the status query (is `pipeline worker` running?)';

/** How long a status query may take: a worker answers in milliseconds. */
export const QUERY_DEADLINE_MS = 5000;

/** gRPC FAILED_PRECONDITION: what the server answers a query when nothing polls the task queue. */
const FAILED_PRECONDITION = 9;

function grpcCause(error: unknown): { code: number; details: string } | null {
  for (let e: unknown = error; e instanceof Error; e = e.cause) {
    if (isGrpcServiceError(e)) return { code: e.code, details: e.details };
  }
  return null;
}

/**
 * One line saying why a query failed: no worker only when the server says nothing polls the task
 * queue; a timeout as a timeout; anything else as its own message.
 */
export function queryFailureNote(error: unknown, timeoutMs = QUERY_DEADLINE_MS): string {
  if (isGrpcDeadlineError(error)) return `status query timed out after ${timeoutMs / 1000}s (is the worker busy, stuck or just stopped?)`;
  const grpc = grpcCause(error);
  // The server gives no structured reason for this one, only its message.
  if (grpc?.code === FAILED_PRECONDITION && /no poller/i.test(grpc.details)) return NO_WORKER;
  const message = grpc?.details ?? (error instanceof Error ? error.message : String(error));
  return `status query failed: ${message.split('\n')[0]?.trim() || 'unknown error'}`;
}

/**
 * Whether any worker polled the task queue lately. Without one, queries would each wait for the
 * server's query timeout, so status skips them and says so.
 */
export async function workerPolling(config: ResolvedConfig, temporal: Client): Promise<boolean> {
  const response = await temporal.workflowService.describeTaskQueue({
    namespace: config.temporal.namespace,
    taskQueue: { name: config.temporal.taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW: queries are answered by workflow workers
  });
  return (response.pollers?.length ?? 0) > 0;
}

/** A query's answer, or why there is none. A workflow that does not exist is an error still. */
export type Answer<T> = { value: T } | { note: string };

export async function ask<T>(temporal: Client, polling: boolean, query: () => Promise<T>): Promise<Answer<T>> {
  if (!polling) return { note: NO_WORKER };
  try {
    return { value: await temporal.withDeadline(Date.now() + QUERY_DEADLINE_MS, query) };
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) throw e;
    return { note: queryFailureNote(e) };
  }
}

/** What can be said of a client whose workflow runs but did not answer: its search attribute. */
export async function unansweredClient(handle: WorkflowHandle, clientId: string, note: string): Promise<ClientStatus> {
  const description = await handle.describe();
  const state = (description.typedSearchAttributes.get(PIPELINE_STATE) as ClientStatus['state'] | undefined) ?? 'running';
  return {
    clientId,
    state,
    paused: state === 'paused',
    queued: 0,
    backlogRecords: 0,
    busy: false,
    currentBatch: null,
    processed: 0,
    failed: 0,
    failedBatches: [],
    totals: { batches: 0, records: 0, bronze: 0, silver: 0, dropped: 0, warned: 0 },
    lastBatchAt: null,
    lastBatchId: null,
    lastError: note,
  };
}
