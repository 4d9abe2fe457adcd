/** Starting the pipeline: the ingest workflow of the topic and the client workflows. */
import type { Client } from '@temporalio/client';
import type { ResolvedConfig } from '../../config/schema';
import { lakeIdentity } from '../lake/lake-identity';
import { assertClientIds } from './client-signals';
import { applySettings, clientSettingsOf, ingestSettingsOf } from './settings';
import type { AppliedSettings } from './settings';
import { workflowUiUrl } from './client';
import { CLIENT_WORKFLOW_TYPE, clientWorkflowStart } from '../../contract/client-workflow';
import { ingestWorkflowId } from '../../contract/ids';
import { startSignal } from '../../contract/messages';
import type { IngestInput, IngestSettings, IngestState, IngestSummary, PipelineMode } from '../../contract/types';
import { describeIfExists } from './describe';
import { mapBounded } from '../../domain/concurrency';

/**
 * Workflow describes and starts in flight at once: a deployment of hundreds of clients starts in
 * a fraction of the time one after another would take, without flooding the server.
 */
const STARTS_IN_FLIGHT = 16;

export function ingestSettings(config: ResolvedConfig, lakeId: string): IngestSettings {
  return {
    topic: config.target.topic,
    maxMessages: config.batch.maxMessages,
    maxWaitMs: config.batch.maxWaitMs,
    clients: { known: config.clients.known, autoDiscover: config.clients.autoDiscover },
    ruleActions: config.ruleActions,
    workflowIdPrefix: config.temporal.workflowIdPrefix,
    taskQueue: config.temporal.taskQueue,
    continueAsNewAfterEvents: config.temporal.continueAsNewAfterEvents,
    lakeId,
    runLimits: {
      maxBatches: config.batch.runMaxBatches,
      maxRecords: config.batch.runMaxRecords,
      compactAfterBatches: config.compaction.afterBatches,
    },
  };
}

/** Refuses to attach to running workflows that write another lake (e.g. another clone's). Returns whether it runs. */
async function assertWorkflowLake(temporal: Client, workflowId: string, lakeId: string, lakeDir: string): Promise<boolean> {
  const description = await describeIfExists(temporal.workflow.getHandle(workflowId));
  if (description?.status.name !== 'RUNNING') return false;
  const theirs = description.memo?.lakeId;
  if (typeof theirs === 'string' && theirs !== lakeId) {
    throw new Error(
      `${workflowId} is running for another lake (id ${theirs}), not ${lakeDir} (id ${lakeId}); use that lake, another temporal.workflowIdPrefix, or terminate the old workflows`,
    );
  }
  return true;
}

/** Where a stopped ingest left off (its last run completed with that position), if it was stopped. */
async function stoppedIngestState(temporal: Client, workflowId: string): Promise<IngestState | undefined> {
  const handle = temporal.workflow.getHandle(workflowId);
  if ((await describeIfExists(handle))?.status.name !== 'COMPLETED') return undefined;
  const summary = (await handle.result()) as IngestSummary;
  return summary.stoppedAt;
}

export interface StartedWorkflow {
  kind: 'ingest' | 'client';
  workflowId: string;
  uiUrl: string;
  /** For a workflow that already ran: what the config's settings changed in it. */
  settings?: AppliedSettings;
}

/**
 * Starts the ingest workflow and the client workflows; whatever already runs is left as is, and
 * stopped workflows continue where they stopped (the start signal wakes a stopped client, and a
 * stopped ingest's position is passed to its new run).
 */
export async function startPipeline(
  config: ResolvedConfig,
  temporal: Client,
  options: { clients?: string[]; mode?: PipelineMode } = {},
): Promise<StartedWorkflow[]> {
  const clients = options.clients ?? config.clients.known;
  assertClientIds(clients);
  const lakeId = await lakeIdentity(config.lakeDir);
  const settings = ingestSettings(config, lakeId);
  const ingestId = ingestWorkflowId(settings.workflowIdPrefix, settings.topic);
  const clientStarts = clients.map((clientId) => clientWorkflowStart(settings, clientId));
  // Every workflow is checked before any is started or woken.
  const ids = [ingestId, ...clientStarts.map((s) => s.workflowId)];
  const runs = await mapBounded(ids, STARTS_IN_FLIGHT, (id) => assertWorkflowLake(temporal, id, lakeId, config.lakeDir));
  const running = new Set(ids.filter((_, i) => runs[i]));
  const wake = { signal: startSignal, signalArgs: [] as [] };

  const mode = options.mode ?? 'continuous';
  const input: IngestInput = { settings, mode };
  // A triggered run takes its end offsets when it recovers its position from the lake.
  const stoppedAt = mode === 'continuous' ? await stoppedIngestState(temporal, ingestId) : undefined;
  if (stoppedAt) input.state = { ...stoppedAt, stopAt: null };
  // The ingest first: reading its first batch takes a while, and the clients start meanwhile. A
  // batch it hands to a client not started yet starts that client itself, with the same options
  // (clientWorkflowStart), and the start signal that follows finds it running.
  await temporal.workflow.signalWithStart('ingest', {
    ...wake,
    taskQueue: settings.taskQueue,
    workflowId: ingestId,
    args: [input],
    memo: { lakeId },
    staticSummary: `Ingest of topic ${settings.topic} (${mode})`,
  });
  await mapBounded(clientStarts, STARTS_IN_FLIGHT, (start) => temporal.workflow.signalWithStart(CLIENT_WORKFLOW_TYPE, { ...start, ...wake }));
  const started: StartedWorkflow[] = [
    { kind: 'ingest', workflowId: ingestId, uiUrl: workflowUiUrl(config, ingestId) },
    ...clientStarts.map((start) => ({ kind: 'client' as const, workflowId: start.workflowId, uiUrl: workflowUiUrl(config, start.workflowId) })),
  ];
  // Workflows that ran before take the config's settings, if theirs differ (a changed rule action, say).
  const targets = started
    .filter((s) => running.has(s.workflowId))
    .map((s) => ({ kind: s.kind, workflowId: s.workflowId, patch: s.kind === 'ingest' ? ingestSettingsOf(config) : clientSettingsOf(config) }));
  const applied = await applySettings(temporal, targets, { onlyIfDifferent: true });
  for (const a of applied) {
    const workflow = started.find((s) => s.workflowId === a.workflowId);
    if (workflow) workflow.settings = a;
  }
  return started;
}
