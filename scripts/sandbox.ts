/**
 * A pipeline of its own on the shared local stack, for the tests and the benchmark: its own
 * topic, workflow ids, task queue and lake, an in-process worker, and a clean-up that removes
 * all of it.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load';
import type { ResolvedConfig } from '../config/schema';
import { pipelineStatus } from '../adapters/temporal/status';
import type { StatusReport } from '../adapters/temporal/status';
import { createKafka, TopicOffsets } from '../adapters/kafka/kafka';
import { ensureTopic } from '../adapters/kafka/produce';
import { connectClient } from '../adapters/temporal/client';
import type { RuleActions } from '../contract/rules';
import { startWorker } from '../workers/worker';
import type { RunningWorker } from '../workers/worker';
import { portOpen } from './stack/supervise';

const ROOT = path.resolve(__dirname, '..');

export interface IsolatedEnv {
  config: ResolvedConfig;
  /** Environment that makes `pipeline` commands and workers use this configuration. */
  env: NodeJS.ProcessEnv;
  lakeRoot: string;
  cleanupLake(): void;
}

/** A configuration of its own: topic, workflow id prefix, task queue and lake are unique. */
export function isolatedEnv(name: string, overrides: Record<string, string> = {}): IsolatedEnv {
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

/** Fails (never skips) when a service is not there, saying how to get it; `kafka: false` when only Temporal is needed. */
export async function requireServices(config: ResolvedConfig, { kafka = true }: { kafka?: boolean } = {}): Promise<void> {
  const [tHost, tPort] = config.temporal.address.split(':');
  const [kHost, kPort] = (config.kafka.brokers[0] ?? '').split(':');
  const missing: string[] = [];
  if (!(await portOpen(Number(tPort), tHost))) missing.push(`Temporal at ${config.temporal.address}`);
  if (kafka && !(await portOpen(Number(kPort), kHost))) missing.push(`Kafka at ${config.kafka.brokers[0]}`);
  if (missing.length > 0)
    throw new Error(
      `${missing.join(' and ')} not reachable: start the local stack with \`npx pipeline stack up\` (\`npm test\` starts it for the tests)`,
    );
}

/** Polls until `probe` returns something truthy; a probe that throws is retried. */
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

export type History = Awaited<ReturnType<WorkflowHandle['fetchHistory']>>;

/** The history of each run of a workflow (continue-as-new included). */
export async function* runHistories(temporal: Client, workflowId: string): AsyncGenerator<History> {
  for await (const run of temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) {
    yield await temporal.workflow.getHandle(workflowId, run.runId).fetchHistory();
  }
}

/** Ends every running workflow whose id starts with the prefix (they are long-running by design). */
export async function terminateWorkflows(temporal: Client, prefix: string, reason = 'test finished'): Promise<void> {
  for await (const wf of temporal.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
    if (wf.workflowId.startsWith(`${prefix}-`)) {
      await temporal.workflow
        .getHandle(wf.workflowId)
        .terminate(reason)
        .catch(() => undefined);
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

/** The services an isolated configuration talks to, with its topic created. */
export interface Sandbox {
  t: IsolatedEnv;
  temporal: Client;
  kafka: Kafka;
  offsets: TopicOffsets;
  /** Terminates the configuration's workflows still running. */
  endWorkflows(reason?: string): Promise<void>;
  /** Closes the connections and deletes the topic and the lake. */
  release(): Promise<void>;
  /** Both: what a test ends with once its workers are stopped. */
  close(reason?: string): Promise<void>;
}

/** Connects to the services (failing, never skipping, when one is missing) and creates the topic. */
export async function openSandbox(t: IsolatedEnv, partitions: number): Promise<Sandbox> {
  try {
    await requireServices(t.config);
  } catch (e) {
    t.cleanupLake(); // nothing else is open yet
    throw e;
  }
  const temporal = await connectClient(t.config);
  const kafka = createKafka(t.config.kafka);
  const offsets = new TopicOffsets(kafka);
  await ensureTopic(kafka, t.config.target.topic, partitions);
  const sandbox: Sandbox = {
    t,
    temporal,
    kafka,
    offsets,
    endWorkflows: (reason) => terminateWorkflows(temporal, t.config.temporal.workflowIdPrefix, reason),
    async release() {
      await offsets.close();
      await temporal.connection.close();
      await deleteTopic(kafka, t.config.target.topic);
      t.cleanupLake();
    },
    async close(reason) {
      await sandbox.endWorkflows(reason);
      await sandbox.release();
    },
  };
  return sandbox;
}

export interface PipelineHarness {
  t: IsolatedEnv;
  temporal: Client;
  kafka: Kafka;
  offsets: TopicOffsets;
  worker: RunningWorker;
  status(): Promise<StatusReport>;
  /** Ends the workflows, worker, connections, topic and lake. */
  close(): Promise<void>;
}

/**
 * An isolated configuration with its topic, an in-process worker and connections. The
 * workflows themselves are started by the caller.
 */
export async function startHarness(
  name: string,
  overrides: Record<string, string>,
  options: { partitions?: number; ruleActions?: Partial<RuleActions> } = {},
): Promise<PipelineHarness> {
  const t = isolatedEnv(name, overrides);
  t.config.ruleActions = { ...t.config.ruleActions, ...options.ruleActions };
  const sandbox = await openSandbox(t, options.partitions ?? 2);
  const { temporal, kafka, offsets } = sandbox;
  const worker = await startWorker(t.config);
  return {
    t,
    temporal,
    kafka,
    offsets,
    worker,
    status: () => pipelineStatus(t.config, temporal, offsets),
    async close() {
      // Workflows first, so the worker is not left running their activities while it shuts down.
      await sandbox.endWorkflows(`${name} finished`);
      worker.shutdown();
      await worker.done;
      await sandbox.release();
    },
  };
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
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'pipeline.ts'), 'worker'], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
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
