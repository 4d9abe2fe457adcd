/** Temporal client connection for the CLI and the worker. */
import { Client, Connection } from '@temporalio/client';
import type { ResolvedConfig } from '../../config/schema';

export async function connectClient(config: ResolvedConfig): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.temporal.address, connectTimeout: '5 seconds' });
  } catch (e) {
    throw new Error(`cannot reach Temporal at ${config.temporal.address} (${(e as Error).message}); is the stack up? (pipeline stack up)`, {
      cause: e,
    });
  }
  return new Client({ connection, namespace: config.temporal.namespace });
}

/** Runs `fn` with a client, and closes its connection whatever happens. */
export async function withTemporalClient<T>(config: ResolvedConfig, fn: (temporal: Client) => Promise<T>): Promise<T> {
  const temporal = await connectClient(config);
  try {
    return await fn(temporal);
  } finally {
    await temporal.connection.close();
  }
}

/** Web UI link of a workflow, for operators and alerts. */
export function workflowUiUrl(config: ResolvedConfig, workflowId: string): string {
  return `${config.temporal.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
