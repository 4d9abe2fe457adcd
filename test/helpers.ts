/**
 * Test plumbing for the tiers that use the real services: isolated configurations and in-process
 * workers (shared with the benchmark in scripts/sandbox.ts), real worker processes, history
 * statistics and recorded histories.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import type { StatusReport } from '../adapters/temporal/status';
import { runHistories, waitFor } from '../scripts/sandbox';

export {
  deleteTopic,
  isolatedEnv,
  openSandbox,
  requireServices,
  startHarness,
  startWorkerProcess,
  terminateWorkflows,
  waitFor,
} from '../scripts/sandbox';
export type { IsolatedEnv as TestEnv, PipelineHarness, Sandbox, WorkerProcess } from '../scripts/sandbox';

const ROOT = path.resolve(__dirname, '..');

export interface HistoryStats {
  workflowId: string;
  runs: number;
  events: number;
  /** Encoded size of all runs' histories. */
  bytes: number;
  /** Largest single payload (activity input/result, signal argument...). */
  maxPayloadBytes: number;
  /** Activities that needed more than one attempt, with why the previous one ended. */
  retriedActivities: { type: string; attempt: number; lastFailure: string }[];
  /** All payload data, decoded as text, to search for anything that should not be there. */
  payloadText: string;
}

function collectPayloads(node: unknown, out: Uint8Array[]): void {
  if (node === null || typeof node !== 'object') return;
  if (node instanceof Uint8Array) return;
  const record = node as Record<string, unknown>;
  if (record.data instanceof Uint8Array && 'metadata' in record) out.push(record.data);
  for (const value of Object.values(record)) {
    if (Array.isArray(value)) value.forEach((v) => collectPayloads(v, out));
    else collectPayloads(value, out);
  }
}

/** Size and payloads of every run (continue-as-new included) of a workflow. */
export async function historyStats(temporal: Client, workflowId: string): Promise<HistoryStats> {
  const stats: HistoryStats = { workflowId, runs: 0, events: 0, bytes: 0, maxPayloadBytes: 0, retriedActivities: [], payloadText: '' };
  const texts: string[] = [];
  for await (const history of runHistories(temporal, workflowId)) {
    stats.runs += 1;
    stats.events += history.events?.length ?? 0;
    const types = new Map<string, string>();
    for (const e of history.events ?? []) {
      const scheduled = e.activityTaskScheduledEventAttributes;
      if (scheduled) types.set(String(e.eventId), scheduled.activityType?.name ?? '?');
      const started = e.activityTaskStartedEventAttributes;
      if (started && (started.attempt ?? 1) > 1) {
        stats.retriedActivities.push({
          type: types.get(String(started.scheduledEventId)) ?? '?',
          attempt: started.attempt ?? 0,
          lastFailure: started.lastFailure?.message ?? '',
        });
      }
    }
    stats.bytes += proto.api.history.v1.History.encode(history).finish().length;
    const payloads: Uint8Array[] = [];
    collectPayloads(history, payloads);
    for (const p of payloads) {
      stats.maxPayloadBytes = Math.max(stats.maxPayloadBytes, p.length);
      texts.push(Buffer.from(p).toString('utf8'));
    }
  }
  stats.payloadText = texts.join('\n');
  return stats;
}

export const HISTORY_FIXTURES = path.join(ROOT, 'test', 'fixtures', 'histories');

/**
 * With RECORD_HISTORIES=1, saves a workflow's current history as a replay fixture (see
 * test/workflows/replay.test.ts). Rerun after an intended change to workflow code.
 */
export async function recordHistory(temporal: Client, workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = await temporal.workflow.getHandle(workflowId).fetchHistory();
  mkdirSync(HISTORY_FIXTURES, { recursive: true });
  writeFileSync(path.join(HISTORY_FIXTURES, `${name}.history.bin`), proto.api.history.v1.History.encode(history).finish());
}

/**
 * Waits until the pipeline reports itself drained on three polls in a row (one drained poll can
 * fall between a batch's hand-off and its client picking it up); returns the last report.
 */
export async function steadilyDrained(what: string, status: () => Promise<StatusReport>, timeoutMs = 300_000): Promise<StatusReport> {
  let drainedInARow = 0;
  return waitFor(
    what,
    async () => {
      const s = await status();
      drainedInARow = s.drained ? drainedInARow + 1 : 0;
      return drainedInARow >= 3 ? s : null;
    },
    timeoutMs,
    500,
  );
}
