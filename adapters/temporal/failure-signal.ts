/** The `failure` signal, as operators and outside monitors send it to one client's workflow. */
import type { Client } from '@temporalio/client';
import type { ResolvedConfig } from '../../config/schema';
import { failureSignal } from '../../contract/messages';
import { clientHandle } from './client-signals';

export interface FailureReportInput {
  error: string;
  batchId?: string;
  layer?: string;
}

/** Returns the id of the workflow signalled. */
export async function reportClientFailure(config: ResolvedConfig, temporal: Client, clientId: string, report: FailureReportInput): Promise<string> {
  const handle = clientHandle(config, temporal, clientId);
  await handle.signal(failureSignal, report);
  return handle.workflowId;
}
