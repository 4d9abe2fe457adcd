/** The status report of a deployment: the ingest's progress and lag, and every client's figures. */
import type { Client } from '@temporalio/client';
import type { ResolvedConfig } from '../../config/schema';
import type { TopicOffsets } from '../kafka/kafka';
import { workflowUiUrl } from './client';
import { ask, unansweredClient, workerPolling } from './status-query';
import { CLIENT_WORKFLOW_TYPE } from '../../contract/client-workflow';
import { clientWorkflowId, ingestWorkflowId } from '../../contract/ids';
import { ingestStatusQuery, statusQuery } from '../../contract/messages';
import type { ClientStatus, IngestStatus } from '../../contract/types';
import { freshness } from '../../domain/freshness';
import type { Freshness } from '../../domain/freshness';
import { mapBounded } from '../../domain/concurrency';
import { unlessNotFound } from './describe';

export interface ClientReport extends ClientStatus {
  workflowId: string;
  uiUrl: string;
  /** False when the status query got no answer: the state comes from the search attribute, lastError says why. */
  answered: boolean;
  /** How far the client's gold is behind, as of the report. */
  freshness: Freshness;
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

async function ingestStatus(temporal: Client, workflowId: string, polling: boolean): Promise<{ status: IngestStatus | null; note: string | null }> {
  const handle = temporal.workflow.getHandle(workflowId);
  const found = await unlessNotFound(async () => {
    if ((await handle.describe()).status.name !== 'RUNNING') return null;
    const answer = await ask(temporal, polling, () => handle.query(ingestStatusQuery));
    return 'value' in answer ? { status: answer.value, note: null } : { status: null, note: answer.note };
  });
  return found ?? { status: null, note: null };
}

function clientReport(config: ResolvedConfig, temporal: Client, polling: boolean, clientId: string): Promise<ClientReport | null> {
  const workflowId = clientWorkflowId(config.temporal.workflowIdPrefix, clientId);
  const handle = temporal.workflow.getHandle(workflowId);
  return unlessNotFound(async () => {
    const answer = await ask(temporal, polling, () => handle.query(statusQuery));
    const status = 'value' in answer ? answer.value : await unansweredClient(handle, clientId, answer.note);
    const answered = 'value' in answer;
    const fresh = answered ? freshness(status, Date.now()) : { pendingAgeMs: null, lastGoldDelayMs: null };
    return { ...status, workflowId, uiUrl: workflowUiUrl(config, workflowId), answered, freshness: fresh };
  });
}

/** Messages in the topic beyond the ingest's position. */
async function consumerLag(offsets: TopicOffsets, topic: string, ingest: IngestStatus): Promise<number> {
  let lag = 0;
  for (const w of await offsets.watermarks(topic)) {
    const next = ingest.nextOffsets[String(w.partition)];
    const position = next === undefined ? w.low : BigInt(next);
    lag += Number(w.high > position ? w.high - position : 0n);
  }
  return lag;
}

/** Client workflows of this deployment that are running, per Temporal's visibility. */
export async function runningClients(config: ResolvedConfig, temporal: Client): Promise<string[]> {
  const prefix = `${config.temporal.workflowIdPrefix}-client-`;
  const ids: string[] = [];
  for await (const wf of temporal.workflow.list({ query: `WorkflowType = '${CLIENT_WORKFLOW_TYPE}' AND ExecutionStatus = 'Running'` })) {
    if (wf.workflowId.startsWith(prefix)) ids.push(wf.workflowId.slice(prefix.length));
  }
  return ids;
}

/** The clients of this deployment: the configured ones and any running (e.g. discovered) ones. */
export async function deploymentClients(config: ResolvedConfig, temporal: Client): Promise<string[]> {
  return [...new Set([...config.clients.known, ...(await runningClients(config, temporal))])].sort();
}

/** Client status queries in flight at once. */
const STATUS_QUERIES_IN_FLIGHT = 16;

export async function pipelineStatus(config: ResolvedConfig, temporal: Client, offsets: TopicOffsets, only?: string): Promise<StatusReport> {
  const prefix = config.temporal.workflowIdPrefix;
  const topic = config.target.topic;
  const ingestId = ingestWorkflowId(prefix, topic);
  const polling = await workerPolling(config, temporal);
  const { status: ingest, note: ingestNote } = await ingestStatus(temporal, ingestId, polling);
  const lag = ingest ? await consumerLag(offsets, topic, ingest) : 0;
  const ids = only ? [only] : await deploymentClients(config, temporal);
  // Some in parallel, so status stays quick with many clients; not all at once, since every query
  // is a task for the worker, and each waits only QUERY_DEADLINE_MS from when it is sent.
  const reports = await mapBounded(ids, STATUS_QUERIES_IN_FLIGHT, (clientId) => clientReport(config, temporal, polling, clientId));
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
