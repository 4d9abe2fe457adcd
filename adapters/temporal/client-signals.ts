/** Operator messages to one client's workflow: pause, resume, replay failed batches, refresh. */
import { WorkflowUpdateFailedError } from '@temporalio/client';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { ResolvedConfig } from '../../config/schema';
import { isValidClientId } from '../../domain/client-id';
import { clientWorkflowId } from '../../contract/ids';
import { pauseSignal, refreshUpdate, replayBatchesUpdate, resumeSignal } from '../../contract/messages';
import type { RefreshOutcome, RefreshRequest } from '../../contract/refresh';
import type { ReplayOutcome, ReplayRequest } from '../../contract/types';

/** Refuses ids that cannot name a client workflow, before anything is sent. */
export function assertClientIds(clientIds: readonly string[]): void {
  for (const id of clientIds) if (!isValidClientId(id)) throw new Error(`invalid client id ${JSON.stringify(id)}`);
}

export function clientHandle(config: ResolvedConfig, temporal: Client, clientId: string): WorkflowHandle {
  assertClientIds([clientId]);
  return temporal.workflow.getHandle(clientWorkflowId(config.temporal.workflowIdPrefix, clientId));
}

export async function pauseClient(config: ResolvedConfig, temporal: Client, clientId: string, reason?: string): Promise<void> {
  await clientHandle(config, temporal, clientId).signal(pauseSignal, { reason });
}

export async function resumeClient(config: ResolvedConfig, temporal: Client, clientId: string): Promise<void> {
  await clientHandle(config, temporal, clientId).signal(resumeSignal);
}

export async function replayBatches(config: ResolvedConfig, temporal: Client, clientId: string, request: ReplayRequest): Promise<ReplayOutcome[]> {
  return clientHandle(config, temporal, clientId).executeUpdate(replayBatchesUpdate, { args: [request] });
}

/** Rebuilds the client's tables; resolves once the new ones are live. A refused or failed refresh says why. */
export async function refreshClient(config: ResolvedConfig, temporal: Client, clientId: string, request: RefreshRequest): Promise<RefreshOutcome> {
  try {
    return await clientHandle(config, temporal, clientId).executeUpdate(refreshUpdate, { args: [request] });
  } catch (e) {
    if (e instanceof WorkflowUpdateFailedError && e.cause) throw new Error(`refresh of ${clientId} failed: ${e.cause.message}`, { cause: e });
    throw e;
  }
}
