/** When a workflow should continue as new. Workflow code only (reads workflowInfo). */
import { workflowInfo } from '@temporalio/workflow';
import { DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS } from './profiles';

export function historyFull(limit: number = DEFAULT_CONTINUE_AS_NEW_AFTER_EVENTS): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > limit;
}
