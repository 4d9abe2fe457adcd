/** Workflow ids, shared by workflows, activities and the CLI. Pure and deterministic. */

export function ingestWorkflowId(prefix: string, topic: string): string {
  return `${prefix}-ingest-${topic}`;
}

export function clientWorkflowId(prefix: string, clientId: string): string {
  return `${prefix}-client-${clientId}`;
}
