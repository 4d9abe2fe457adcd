/**
 * How a client workflow is started, whoever starts it (`pipeline start`, or the ingest's
 * signal-with-start when a batch names a client): the same id, queue, input, memo and search
 * attributes either way. Pure: it only builds the options object.
 */
import type { SearchAttributePair } from '@temporalio/common';
import { clientWorkflowId } from './ids';
import { CLIENT_ID, PIPELINE_STATE } from './search-attributes';
import type { ClientPipelineInput, IngestSettings, RunLimits } from './types';

export const CLIENT_WORKFLOW_TYPE = 'clientPipeline';

/**
 * How many queued batches a client takes into one run when the config says nothing: enough that
 * a client behind by a few batches catches up in one run of three activities, few enough that a
 * run stays well inside an activity's time limit.
 */
export const DEFAULT_RUN_LIMITS: RunLimits = { maxBatches: 20, maxRecords: 50_000 };

/** A client's files are compacted after this many batches when its run limits say nothing. */
export const DEFAULT_COMPACT_AFTER_BATCHES = 64;

export type ClientWorkflowSettings = Pick<
  IngestSettings,
  'workflowIdPrefix' | 'taskQueue' | 'ruleActions' | 'continueAsNewAfterEvents' | 'lakeId' | 'runLimits'
>;

export interface ClientWorkflowStart {
  workflowId: string;
  taskQueue: string;
  args: [ClientPipelineInput];
  /** The lake the workflow writes, so a second deployment cannot attach to it by mistake. */
  memo: { lakeId: string | undefined };
  typedSearchAttributes: SearchAttributePair[];
  staticSummary: string;
}

export function clientWorkflowStart(settings: ClientWorkflowSettings, clientId: string): ClientWorkflowStart {
  const { ruleActions, continueAsNewAfterEvents, lakeId, runLimits } = settings;
  return {
    workflowId: clientWorkflowId(settings.workflowIdPrefix, clientId),
    taskQueue: settings.taskQueue,
    args: [{ clientId, ruleActions, continueAsNewAfterEvents, lakeId, ...(runLimits ? { runLimits } : {}) }],
    memo: { lakeId },
    typedSearchAttributes: [
      { key: CLIENT_ID, value: clientId },
      { key: PIPELINE_STATE, value: 'running' },
    ],
    staticSummary: `Pipeline of client ${clientId}`,
  };
}
