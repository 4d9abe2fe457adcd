/**
 * Test plumbing for the tiers that use the real services: an isolated configuration per test
 * (own topic, workflow ids, task queue and lake), real worker processes, and clean-up.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { temporal as proto } from '@temporalio/proto';
import type { Kafka } from 'kafkajs';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load';
import type { ResolvedConfig } from '../config/schema';
import { pipelineStatus } from '../adapters/temporal/control';
import type { StatusReport } from '../adapters/temporal/control';
import { createKafka, TopicOffsets } from '../adapters/kafka/kafka';
import { ensureTopic } from '../adapters/kafka/produce';
import type { RuleActions } from '../contract/rules';
import { connectClient } from '../adapters/temporal/client';
import { portOpen } from '../scripts/stack/stack';
import { startWorker } from '../workers/worker';
import type { RunningWorker } from '../workers/worker';

const ROOT = path.resolve(__dirname, '..');

export interface TestEnv {
  config: ResolvedConfig;
  /** Environment that makes `pipeline` commands and workers use this test's config. */
  env: NodeJS.ProcessEnv;
  lakeRoot: string;
  cleanupLake(): void;
}

/** A configuration of its own: topic, workflow id prefix, task queue and lake are unique. */
export function isolatedEnv(name: string, overrides: Record<string, string> = {}): TestEnv {
  const id = `${name}-${randomBytes(3).toString('hex')}`;
  const lakeRoot = mkdtempSync(path.join(os.tmpdir(), `lake-${name}-`));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PIPELINE_CONFIG: DEFAULT_CONFIG_FILE,
    PIPELINE_TARGET: 'dev',
    PIPELINE_TOPIC: id,
    PIPELINE_WORKFLOW_ID_PREFIX: id,
    PIPELINE_TASK_QUEUE: id,
    PIPELINE_LAKE_ROOT: lakeRoot,
    ...overrides,
  };
  return { config: loadConfig({ env }), env, lakeRoot, cleanupLake: () => rmSync(lakeRoot, { recursive: true, force: true }) };
}

/** Fails (never skips) when a service the test needs is not there, saying how to get it. */
export async function requireServices(config: ResolvedConfig): Promise<void> {
  const [tHost, tPort] = config.temporal.address.split(':');
  const [kHost, kPort] = (config.kafka.brokers[0] ?? '').split(':');
  const missing: string[] = [];
  if (!(await portOpen(Number(tPort), tHost))) missing.push(`Temporal at ${config.temporal.address}`);
  if (!(await portOpen(Number(kPort), kHost))) missing.push(`Kafka at ${config.kafka.brokers[0]}`);
  if (missing.length > 0) throw new Error(`${missing.join(' and ')} not reachable: run the tests with \`npm test\` (it starts the stack) or run \`pipeline stack up\` first`);
}

export interface WorkerProcess {
  child: ChildProcess;
  output: () => string;
  /** Resolves once the worker polls its task queue. */
  ready: Promise<void>;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** A real worker: the `pipeline worker` command in its own process. */
export function startWorkerProcess(env: NodeJS.ProcessEnv): WorkerProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'pipeline.ts'), 'worker'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  // Once the worker runs, it must not keep the test file's process alive: a test that fails
  // before its clean-up must still end (`npm test` kills whatever it left behind). Until then
  // the pipes are what the test is waiting on, so they stay referenced.
  const release = () => {
    child.unref();
    for (const stream of [child.stdout, child.stderr]) (stream as unknown as { unref?: () => void } | null)?.unref?.();
  };
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      out += chunk.toString();
      if (out.includes('worker running')) {
        release();
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`worker exited with ${code} before it was ready:\n${out.slice(-2000)}`)));
  });
  ready.catch(() => undefined);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => out,
    ready,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs: number, everyMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value) return value;
    } catch (e) {
      lastError = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
}

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
  for await (const run of temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    const history = await temporal.workflow.getHandle(workflowId, run.runId).fetchHistory();
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

/** Ends every workflow of a test (they are long-running by design). */
export async function terminateWorkflows(temporal: Client, prefix: string): Promise<void> {
  for await (const wf of temporal.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
    if (wf.workflowId.startsWith(`${prefix}-`)) {
      await temporal.workflow.getHandle(wf.workflowId).terminate('test finished').catch(() => undefined);
    }
  }
}

export async function deleteTopic(kafka: Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
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

export interface PipelineHarness {
  t: TestEnv;
  temporal: Client;
  kafka: Kafka;
  offsets: TopicOffsets;
  worker: RunningWorker;
  status(): Promise<StatusReport>;
  /** Ends the test's workflows, worker, connections, topic and lake. */
  close(): Promise<void>;
}

/**
 * What a workflow test needs: its own config, a topic, an in-process worker and connections.
 * The workflows themselves are started by the test.
 */
export async function startHarness(
  name: string,
  overrides: Record<string, string>,
  options: { partitions?: number; ruleActions?: Partial<RuleActions> } = {},
): Promise<PipelineHarness> {
  const t = isolatedEnv(name, overrides);
  t.config.ruleActions = { ...t.config.ruleActions, ...options.ruleActions };
  await requireServices(t.config);
  const temporal = await connectClient(t.config);
  const kafka = createKafka(t.config.kafka);
  const offsets = new TopicOffsets(kafka);
  await ensureTopic(kafka, t.config.target.topic, options.partitions ?? 2);
  const worker = await startWorker(t.config);
  return {
    t,
    temporal,
    kafka,
    offsets,
    worker,
    status: () => pipelineStatus(t.config, temporal, offsets),
    async close() {
      await terminateWorkflows(temporal, t.config.temporal.workflowIdPrefix);
      worker.shutdown();
      await worker.done;
      await offsets.close();
      await temporal.connection.close();
      await deleteTopic(kafka, t.config.target.topic);
      t.cleanupLake();
    },
  };
}
