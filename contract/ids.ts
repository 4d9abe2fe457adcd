/** Workflow ids, shared by workflows, activities and the CLI. Pure and deterministic. */

export function ingestWorkflowId(prefix: string, topic: string): string {
  return `${prefix}-ingest-${topic}`;
}

export function clientWorkflowId(prefix: string, clientId: string): string {
  return `${prefix}-client-${clientId}`;
}

/** The Temporal Schedule that runs one client in triggered mode at an interval. */
export function scheduleId(prefix: string, clientId: string): string {
  return `${prefix}-schedule-${clientId}`;
}

/** Base id of a scheduled run; Temporal appends the time the run was scheduled for. */
export function scheduledRunWorkflowId(prefix: string, clientId: string): string {
  return `${prefix}-scheduled-${clientId}`;
}

/**
 * The task queue of the ingest's activities, beside the deployment's own: reading Kafka and
 * handing batches over never wait behind the clients' lake work, so the ingest keeps ahead and
 * clients that fall behind take their queued batches in one run.
 */
export function ingestTaskQueue(taskQueue: string): string {
  return `${taskQueue}-ingest`;
}
