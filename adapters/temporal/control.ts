/**
 * Operator actions against Temporal: start, status, pause/resume, replay. Used by the CLI,
 * `npm start` and the tests, so all of them drive the pipeline the same way.
 */
import { WorkflowIdConflictPolicy } from '@temporalio/common';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import type { ResolvedConfig } from '../../config/schema';
import { createKafka, TopicOffsets } from '../kafka/kafka';
import { lakeIdentity } from '../lake/lake-identity';
import { isValidClientId } from '../../domain/rules';
import { withTemporalClient, workflowUiUrl } from './client';
import type { LiveClientState } from '../lake/views';
import { clientWorkflowId, ingestWorkflowId } from '../../contract/ids';
import { ingestStatusQuery, pauseSignal, replayBatchesUpdate, resumeSignal, statusQuery } from '../../contract/messages';
import { CLIENT_ID, PIPELINE_STATE } from '../../contract/search-attributes';
import type { ClientStatus, IngestSettings, IngestStatus, PipelineMode, ReplayOutcome, ReplayRequest } from '../../contract/types';

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
  };
}

/** Refuses to attach to running workflows that write another lake (e.g. another clone's). */
async function assertWorkflowLake(temporal: Client, workflowId: string, lakeId: string, lakeDir: string): Promise<void> {
  let memo: Record<string, unknown> | undefined;
  try {
    const description = await temporal.workflow.getHandle(workflowId).describe();
    if (description.status.name !== 'RUNNING') return;
    memo = description.memo;
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return;
    throw e;
  }
  const theirs = memo?.lakeId;
  if (typeof theirs === 'string' && theirs !== lakeId) {
    throw new Error(
      `${workflowId} is running for another lake (id ${theirs}), not ${lakeDir} (id ${lakeId}); use that lake, another temporal.workflowIdPrefix, or terminate the old workflows`,
    );
  }
}

export interface StartedWorkflow {
  kind: 'ingest' | 'client';
  workflowId: string;
  uiUrl: string;
}

/** Starts the ingest workflow and the client workflows; whatever already runs is left as is. */
export async function startPipeline(
  config: ResolvedConfig,
  temporal: Client,
  options: { clients?: string[]; mode?: PipelineMode } = {},
): Promise<StartedWorkflow[]> {
  const prefix = config.temporal.workflowIdPrefix;
  const clients = options.clients ?? config.clients.known;
  for (const id of clients) if (!isValidClientId(id)) throw new Error(`invalid client id ${JSON.stringify(id)}`);
  const lakeId = await lakeIdentity(config.lakeDir);
  const ingestId = ingestWorkflowId(prefix, config.target.topic);
  for (const id of [ingestId, ...clients.map((c) => clientWorkflowId(prefix, c))]) await assertWorkflowLake(temporal, id, lakeId, config.lakeDir);
  const common = { taskQueue: config.temporal.taskQueue, workflowIdConflictPolicy: WorkflowIdConflictPolicy.USE_EXISTING };
  const started: StartedWorkflow[] = [];

  for (const clientId of clients) {
    const workflowId = clientWorkflowId(prefix, clientId);
    await temporal.workflow.start('clientPipeline', {
      ...common,
      workflowId,
      args: [{ clientId, ruleActions: config.ruleActions, continueAsNewAfterEvents: config.temporal.continueAsNewAfterEvents, lakeId }],
      memo: { lakeId },
      typedSearchAttributes: [
        { key: CLIENT_ID, value: clientId },
        { key: PIPELINE_STATE, value: 'running' },
      ],
      staticSummary: `Pipeline of client ${clientId}`,
    });
    started.push({ kind: 'client', workflowId, uiUrl: workflowUiUrl(config, workflowId) });
  }

  await temporal.workflow.start('ingest', {
    ...common,
    workflowId: ingestId,
    args: [{ settings: ingestSettings(config, lakeId), mode: options.mode ?? 'continuous' }],
    memo: { lakeId },
    staticSummary: `Ingest of topic ${config.target.topic} (${options.mode ?? 'continuous'})`,
  });
  started.unshift({ kind: 'ingest', workflowId: ingestId, uiUrl: workflowUiUrl(config, ingestId) });
  return started;
}

export interface ClientReport extends ClientStatus {
  workflowId: string;
  uiUrl: string;
  /** False when no worker answered the status query: the state comes from the search attribute, figures are unknown. */
  answered: boolean;
}

const NO_WORKER = 'no worker answered the status query (is `pipeline worker` running?)';

/** What can be said of a client whose workflow runs while no worker answers queries. */
async function unansweredClient(temporal: Client, clientId: string, workflowId: string): Promise<ClientStatus> {
  const description = await temporal.workflow.getHandle(workflowId).describe();
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
    lastError: NO_WORKER,
  };
}

export interface StatusReport {
  target: string;
  namespace: string;
  topic: string;
  ingest: (IngestStatus & { lag: number; workflowId: string }) | null;
  /** Why the ingest's figures are missing while its workflow runs, if they are. */
  ingestNote: string | null;
  clients: ClientReport[];
  /** Nothing left to do: no consumer lag, nothing queued or in flight anywhere. */
  drained: boolean;
}

/** How long a status query may take: a worker answers in milliseconds, none means no answer at all. */
const QUERY_DEADLINE_MS = 5000;

/**
 * Whether any worker polled the task queue lately. Without one, queries would each wait for the
 * server's query timeout, so status skips them and says so.
 */
async function workerPolling(config: ResolvedConfig, temporal: Client): Promise<boolean> {
  const response = await temporal.workflowService.describeTaskQueue({
    namespace: config.temporal.namespace,
    taskQueue: { name: config.temporal.taskQueue },
    taskQueueType: 1, // TASK_QUEUE_TYPE_WORKFLOW: queries are answered by workflow workers
  });
  return (response.pollers?.length ?? 0) > 0;
}

function withQueryDeadline<T>(temporal: Client, fn: () => Promise<T>): Promise<T> {
  return temporal.withDeadline(Date.now() + QUERY_DEADLINE_MS, fn);
}

async function queryOrNull<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof WorkflowNotFoundError) return null;
    throw e;
  }
}

/** Client workflows of this deployment that are running, per Temporal's visibility. */
async function runningClients(config: ResolvedConfig, temporal: Client): Promise<string[]> {
  const prefix = `${config.temporal.workflowIdPrefix}-client-`;
  const ids: string[] = [];
  for await (const wf of temporal.workflow.list({ query: `WorkflowType = 'clientPipeline' AND ExecutionStatus = 'Running'` })) {
    if (wf.workflowId.startsWith(prefix)) ids.push(wf.workflowId.slice(prefix.length));
  }
  return ids;
}

export async function pipelineStatus(config: ResolvedConfig, temporal: Client, offsets: TopicOffsets, only?: string): Promise<StatusReport> {
  const prefix = config.temporal.workflowIdPrefix;
  const topic = config.target.topic;
  const ingestId = ingestWorkflowId(prefix, topic);
  const polling = await workerPolling(config, temporal);
  let ingestNote: string | null = null;
  const ingest = await queryOrNull(async () => {
    const description = await temporal.workflow.getHandle(ingestId).describe();
    if (description.status.name !== 'RUNNING') return null;
    if (!polling) {
      ingestNote = NO_WORKER;
      return null;
    }
    return withQueryDeadline(temporal, () => temporal.workflow.getHandle(ingestId).query(ingestStatusQuery)).catch(() => {
      ingestNote = NO_WORKER;
      return null;
    });
  });
  let lag = 0;
  if (ingest) {
    for (const w of await offsets.watermarks(topic)) {
      const next = ingest.nextOffsets[String(w.partition)];
      const position = next === undefined ? w.low : BigInt(next);
      lag += Number(w.high > position ? w.high - position : 0n);
    }
  }
  const ids = only ? [only] : [...new Set([...config.clients.known, ...(await runningClients(config, temporal))])].sort();
  // In parallel: status must stay quick with many clients.
  const reports = await Promise.all(
    ids.map(async (clientId): Promise<ClientReport | null> => {
      const workflowId = clientWorkflowId(prefix, clientId);
      let answered = polling;
      const status = await queryOrNull(async () => {
        if (!polling) return unansweredClient(temporal, clientId, workflowId);
        return withQueryDeadline(temporal, () => temporal.workflow.getHandle(workflowId).query(statusQuery)).catch((e: unknown) => {
          if (e instanceof WorkflowNotFoundError) throw e;
          answered = false;
          return unansweredClient(temporal, clientId, workflowId);
        });
      });
      return status ? { ...status, workflowId, uiUrl: workflowUiUrl(config, workflowId), answered } : null;
    }),
  );
  const clients = reports.filter((r): r is ClientReport => r !== null);
  if (only && clients.length === 0) throw new Error(`no pipeline workflow for client ${only} (${clientWorkflowId(prefix, only)})`);
  const drained =
    ingest !== null &&
    lag === 0 &&
    ingest.phase === 'polling' &&
    ingest.dispatchedSeq === ingest.nextSeq - 1 &&
    clients.every((c) => c.answered && c.queued === 0 && !c.busy);
  return {
    target: config.targetName,
    namespace: config.temporal.namespace,
    topic,
    ingest: ingest ? { ...ingest, lag, workflowId: ingestId } : null,
    ingestNote,
    clients,
    drained,
  };
}

function clientHandle(config: ResolvedConfig, temporal: Client, clientId: string) {
  if (!isValidClientId(clientId)) throw new Error(`invalid client id ${JSON.stringify(clientId)}`);
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

/**
 * Client workflow states for the health view, or none when Temporal or Kafka cannot be reached
 * in time: health from the lake alone is still worth showing.
 */
export async function liveClientStates(config: ResolvedConfig, timeoutMs = 8000): Promise<{ states: LiveClientState[]; problem: string | null }> {
  const offsets = new TopicOffsets(createKafka(config.kafka));
  try {
    // A deadline on every call, not a race: the calls end before the connection is closed.
    const report = await withTemporalClient(config, (temporal) =>
      temporal.withDeadline(Date.now() + timeoutMs, () => pipelineStatus(config, temporal, offsets)),
    );
    const lag = report.ingest?.lag ?? null;
    return {
      states: report.clients.map((c) => ({
        client_id: c.clientId,
        state: c.answered ? c.state : `${c.state} (no worker)`,
        queued_batches: c.queued,
        backlog_records: c.backlogRecords,
        consumer_lag: lag,
      })),
      problem: null,
    };
  } catch (e) {
    return { states: [], problem: (e as Error).message };
  } finally {
    await offsets.close();
  }
}
