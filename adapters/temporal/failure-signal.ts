/** The `failure` signal, as operators and outside monitors send it to one client's workflow. */
import type { Client } from '@temporalio/client';
import type { ResolvedConfig } from '../../config/schema';
import { clientWorkflowId } from '../../contract/ids';
import { failureSignal } from '../../contract/messages';
import { isValidClientId } from '../../domain/rules';

export interface FailureReportInput {
  error: string;
  batchId?: string;
  layer?: string;
}

/** Returns the id of the workflow signalled. */
export async function reportClientFailure(config: ResolvedConfig, temporal: Client, clientId: string, report: FailureReportInput): Promise<string> {
  if (!isValidClientId(clientId)) throw new Error(`invalid client id ${JSON.stringify(clientId)}`);
  const workflowId = clientWorkflowId(config.temporal.workflowIdPrefix, clientId);
  await temporal.workflow.getHandle(workflowId).signal(failureSignal, report);
  return workflowId;
}
