/**
 * Temporal Schedules that run one client in triggered mode at an interval (workflow
 * `scheduledRun`): create or update, list with each one's last result, delete.
 */
import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { rootCause } from '@temporalio/common';
import type { Client, ScheduleDescription, ScheduleHandle, ScheduleOptionsAction, ScheduleUpdateOptions } from '@temporalio/client';
import type { ResolvedConfig } from '../../config/schema';
import { scheduledRunWorkflowId, scheduleId } from '../../contract/ids';
import { CLIENT_ID } from '../../contract/search-attributes';
import { SCHEDULED_RUN_WORKFLOW_TYPE } from '../../contract/scheduled-run';
import type { ScheduledRunInput, ScheduledRunSummary } from '../../contract/scheduled-run';
import { formatInterval } from '../../domain/interval';
import { lakeIdentity } from '../lake/lake-identity';
import { workflowUiUrl } from './client';
import { assertClientIds } from './client-signals';
import { ingestSettings } from './start';

export interface ScheduleResult {
  scheduleId: string;
  clientId: string;
  every: string;
  outcome: 'created' | 'updated';
  nextRunAt: string | null;
}

export interface LastRun {
  workflowId: string;
  startedAt: string;
  /** RUNNING, COMPLETED, FAILED, TERMINATED… as Temporal reports the workflow. */
  status: string;
  summary?: ScheduledRunSummary;
  error?: string;
  uiUrl: string;
}

export interface ScheduleInfo {
  scheduleId: string;
  clientId: string;
  every: string;
  paused: boolean;
  nextRunAt: string | null;
  lastRun: LastRun | null;
}

/**
 * Creates the client's schedule, or updates it (interval, and the settings its runs get from the
 * current config). Overlap SKIP: a run that is due while the previous one still works is skipped,
 * so two runs of one client never overlap.
 */
export async function scheduleClient(config: ResolvedConfig, temporal: Client, clientId: string, everyMs: number): Promise<ScheduleResult> {
  assertClientIds([clientId]);
  const prefix = config.temporal.workflowIdPrefix;
  const lakeId = await lakeIdentity(config.lakeDir);
  const input: ScheduledRunInput = { clientId, settings: ingestSettings(config, lakeId) };
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: SCHEDULED_RUN_WORKFLOW_TYPE,
    taskQueue: config.temporal.taskQueue,
    workflowId: scheduledRunWorkflowId(prefix, clientId),
    args: [input],
    memo: { lakeId },
    // The Web UI's `ClientId = "…"` filter shows the client's runs beside its workflow.
    typedSearchAttributes: [{ key: CLIENT_ID, value: clientId }],
    staticSummary: `Scheduled run of client ${clientId}`,
  };
  const spec = { intervals: [{ every: everyMs }] };
  const policies = { overlap: ScheduleOverlapPolicy.SKIP };
  const id = scheduleId(prefix, clientId);
  let outcome: ScheduleResult['outcome'] = 'created';
  try {
    await temporal.schedule.create({ scheduleId: id, spec, action, policies, memo: { clientId } });
  } catch (e) {
    if (!(e instanceof ScheduleAlreadyRunning)) throw e;
    await temporal.schedule.getHandle(id).update((previous): ScheduleUpdateOptions => ({ ...previous, spec, action, policies }));
    outcome = 'updated';
  }
  const description = await temporal.schedule.getHandle(id).describe();
  return { scheduleId: id, clientId, every: formatInterval(everyMs), outcome, nextRunAt: description.info.nextActionTimes[0]?.toISOString() ?? null };
}

/** The most recent run of a schedule and how it ended (its summary once it completed). */
async function lastRun(config: ResolvedConfig, temporal: Client, description: ScheduleDescription): Promise<LastRun | null> {
  const last = description.info.recentActions.at(-1);
  if (!last) return null;
  const { workflowId, firstExecutionRunId } = last.action.workflow;
  const handle = temporal.workflow.getHandle(workflowId, firstExecutionRunId);
  const status = (await handle.describe()).status.name;
  const run: LastRun = { workflowId, startedAt: last.takenAt.toISOString(), status, uiUrl: workflowUiUrl(config, workflowId) };
  if (status === 'COMPLETED') run.summary = (await handle.result()) as ScheduledRunSummary;
  // The run's own failure, not the client error wrapped around it.
  if (status === 'FAILED')
    run.error = await handle.result().then(
      () => undefined,
      (e: unknown) => rootCause(e instanceof Error ? (e.cause ?? e) : e),
    );
  return run;
}

async function describeSchedule(config: ResolvedConfig, temporal: Client, handle: ScheduleHandle): Promise<ScheduleInfo | null> {
  let description: ScheduleDescription;
  try {
    description = await handle.describe();
  } catch (e) {
    if (e instanceof ScheduleNotFoundError) return null;
    throw e;
  }
  const clientId = description.memo?.clientId;
  const every = description.spec.intervals?.[0]?.every;
  if (typeof clientId !== 'string' || description.action.workflowType !== SCHEDULED_RUN_WORKFLOW_TYPE) return null;
  return {
    scheduleId: description.scheduleId,
    clientId,
    every: every === undefined ? '?' : formatInterval(every),
    paused: description.state.paused,
    nextRunAt: description.info.nextActionTimes[0]?.toISOString() ?? null,
    lastRun: await lastRun(config, temporal, description),
  };
}

/** This deployment's schedules, by client id. */
export async function listSchedules(config: ResolvedConfig, temporal: Client): Promise<ScheduleInfo[]> {
  const prefix = scheduleId(config.temporal.workflowIdPrefix, '');
  const ids: string[] = [];
  for await (const summary of temporal.schedule.list()) if (summary.scheduleId.startsWith(prefix)) ids.push(summary.scheduleId);
  // Each is described: the listing lags behind (a schedule just deleted may still be listed).
  const infos = await Promise.all(ids.map((id) => describeSchedule(config, temporal, temporal.schedule.getHandle(id))));
  return infos.filter((i): i is ScheduleInfo => i !== null).sort((a, b) => a.clientId.localeCompare(b.clientId));
}

/**
 * Deletes a client's schedule. A run in progress finishes (and leaves the client stopped);
 * `pipeline start --client ID` makes the client stream again.
 */
export async function deleteSchedule(config: ResolvedConfig, temporal: Client, clientId: string): Promise<string> {
  assertClientIds([clientId]);
  const id = scheduleId(config.temporal.workflowIdPrefix, clientId);
  try {
    await temporal.schedule.getHandle(id).delete();
  } catch (e) {
    if (e instanceof ScheduleNotFoundError) throw new Error(`no schedule for client ${clientId} (${id})`, { cause: e });
    throw e;
  }
  return id;
}
