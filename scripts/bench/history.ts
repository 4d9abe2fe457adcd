/**
 * What the benchmark reads back from Temporal: where activity time went, when the last client
 * activity finished, which batches each gold activity wrote and when, and how large the
 * histories and their payloads grew, per workflow kind.
 */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { temporal as proto } from '@temporalio/proto';
import { mapBounded } from '../../domain/concurrency';
import { runHistories } from '../sandbox';
import type { History } from '../sandbox';
import { GOLD_ACTIVITY_TYPES, goldWriteOf } from './freshness';
import type { GoldWrite } from './freshness';

export interface StageTimes {
  runs: number;
  meanMs: number;
  maxMs: number;
  /** Sum over all runs: the stage's share of the work, wherever it overlapped. */
  totalMs: number;
}

export interface KindHistory {
  workflows: number;
  runs: number;
  events: number;
  /** The largest single workflow (all its runs): what approaches Temporal's per-workflow limits. */
  maxEventsPerWorkflow: number;
  maxBytesPerWorkflow: number;
  maxPayloadBytes: number;
}

interface WorkflowScan {
  runs: number;
  events: number;
  bytes: number;
  maxPayloadBytes: number;
  /** Activity type → scheduled-to-completed times. */
  times: Map<string, number[]>;
  lastCompletedMs: number;
  goldWrites: GoldWrite[];
  /** Worker identity → activity attempts it started. */
  startedBy: Map<string, number>;
}

const eventMs = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number =>
  Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

function largestPayload(node: unknown): number {
  if (node === null || typeof node !== 'object' || node instanceof Uint8Array) return 0;
  const record = node as Record<string, unknown>;
  let max = record.data instanceof Uint8Array && 'metadata' in record ? record.data.length : 0;
  for (const value of Object.values(record)) {
    for (const v of Array.isArray(value) ? value : [value]) max = Math.max(max, largestPayload(v));
  }
  return max;
}

function scanRun(history: History, scan: WorkflowScan): void {
  const scheduled = new Map<string, { type: string; at: number; input?: Payload[] | null }>();
  for (const e of history.events ?? []) {
    const at = eventMs(e.eventTime);
    const s = e.activityTaskScheduledEventAttributes;
    if (s) {
      const type = s.activityType?.name ?? '?';
      // Only gold activities' inputs are kept: the others' are not needed, and a long run has thousands.
      scheduled.set(String(e.eventId), { type, at, input: GOLD_ACTIVITY_TYPES.has(type) ? s.input?.payloads : undefined });
    }
    const started = e.activityTaskStartedEventAttributes;
    if (started) scan.startedBy.set(started.identity ?? '?', (scan.startedBy.get(started.identity ?? '?') ?? 0) + 1);
    const done = e.activityTaskCompletedEventAttributes;
    const from = done ? scheduled.get(String(done.scheduledEventId)) : undefined;
    if (from) {
      const times = scan.times.get(from.type) ?? [];
      times.push(at - from.at);
      scan.times.set(from.type, times);
      scan.lastCompletedMs = Math.max(scan.lastCompletedMs, at);
      const gold = from.input ? goldWriteOf(from.input, at) : null;
      if (gold) scan.goldWrites.push(gold);
    }
  }
  scan.runs += 1;
  scan.events += history.events?.length ?? 0;
  scan.bytes += proto.api.history.v1.History.encode(history).finish().length;
  scan.maxPayloadBytes = Math.max(scan.maxPayloadBytes, largestPayload(history));
}

async function scanWorkflow(temporal: Client, workflowId: string): Promise<WorkflowScan> {
  const scan: WorkflowScan = {
    runs: 0,
    events: 0,
    bytes: 0,
    maxPayloadBytes: 0,
    times: new Map(),
    lastCompletedMs: 0,
    goldWrites: [],
    startedBy: new Map(),
  };
  for await (const history of runHistories(temporal, workflowId)) scanRun(history, scan);
  return scan;
}

function summarize(scans: WorkflowScan[]): KindHistory {
  return {
    workflows: scans.length,
    runs: scans.reduce((a, s) => a + s.runs, 0),
    events: scans.reduce((a, s) => a + s.events, 0),
    maxEventsPerWorkflow: Math.max(0, ...scans.map((s) => s.events)),
    maxBytesPerWorkflow: Math.max(0, ...scans.map((s) => s.bytes)),
    maxPayloadBytes: Math.max(0, ...scans.map((s) => s.maxPayloadBytes)),
  };
}

export interface HistoryFigures {
  stages: Record<string, StageTimes>;
  history: { ingest: KindHistory; client: KindHistory };
  /** When the last activity of any client workflow completed (its gold, once drained). */
  lastClientActivityMs: number;
  /** Every completed gold activity of the clients: which batches it wrote, and when. */
  goldWrites: GoldWrite[];
  /** Activity attempts per worker identity (pid@host): how the workers shared the work. */
  activitiesByWorker: Record<string, number>;
}

export async function historyFigures(temporal: Client, ingestId: string, clientIds: string[]): Promise<HistoryFigures> {
  const ingest = await scanWorkflow(temporal, ingestId);
  // A few at a time: a thousand clients' histories are fetched in reasonable time without flooding the server.
  const clients = await mapBounded(clientIds, 8, (id) => scanWorkflow(temporal, id));
  const all = new Map<string, number[]>();
  for (const scan of [ingest, ...clients]) for (const [type, ms] of scan.times) all.set(type, (all.get(type) ?? []).concat(ms));
  const byWorker = new Map<string, number>();
  for (const scan of [ingest, ...clients]) for (const [who, n] of scan.startedBy) byWorker.set(who, (byWorker.get(who) ?? 0) + n);
  const stages: Record<string, StageTimes> = {};
  for (const [type, ms] of [...all].sort(([a], [b]) => a.localeCompare(b))) {
    const totalMs = ms.reduce((a, b) => a + b, 0);
    stages[type] = { runs: ms.length, meanMs: Math.round(totalMs / ms.length), maxMs: Math.max(...ms), totalMs };
  }
  return {
    stages,
    history: { ingest: summarize([ingest]), client: summarize(clients) },
    lastClientActivityMs: Math.max(0, ...clients.map((c) => c.lastCompletedMs)),
    goldWrites: clients.flatMap((c) => c.goldWrites),
    activitiesByWorker: Object.fromEntries([...byWorker].sort(([a], [b]) => a.localeCompare(b))),
  };
}
