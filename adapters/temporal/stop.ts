/**
 * Stopping the pipeline cleanly: the ingest lands and hands over the raw batch in flight, then
 * completes; each client finishes its batch in flight and waits, stopped, with its queue. A later
 * `startPipeline` continues from there.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import type { ResolvedConfig } from '../../config/schema';
import { assertClientIds } from './client-signals';
import { deploymentClients } from './status';
import { clientWorkflowId, ingestWorkflowId } from '../../contract/ids';
import { statusQuery, stopSignal } from '../../contract/messages';
import { isRunning } from './describe';

export interface StoppedWorkflow {
  kind: 'ingest' | 'client';
  workflowId: string;
  /** `stopped`, or `not running` when there was nothing to stop. */
  outcome: 'stopped' | 'not running';
}

export interface StopOptions {
  /** Only these clients (the ingest goes on); default: the ingest and every client. */
  clients?: string[];
  reason?: string;
  /** How long to wait for batches in flight (default 10 minutes). */
  timeoutMs?: number;
}

const POLL_MS = 250;

async function untilStopped(handle: WorkflowHandle, deadline: number): Promise<void> {
  for (;;) {
    // The query goes to the newest run: the stopped one after the switch.
    const status = await handle.query(statusQuery).catch(() => null);
    if (status?.state === 'stopped') return;
    if (Date.now() > deadline) throw new Error(`${handle.workflowId} did not stop in time (is a worker running?)`);
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}

/** The ingest's completion, or an error once the deadline passed (no worker, say). */
async function ingestStopped(handle: WorkflowHandle, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${handle.workflowId} did not stop in time (is a worker running?)`)),
      Math.max(0, deadline - Date.now()),
    );
  });
  try {
    await Promise.race([handle.result(), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Stops the ingest first (no new batches), then the clients; resolves once all have stopped. */
export async function stopPipeline(config: ResolvedConfig, temporal: Client, options: StopOptions = {}): Promise<StoppedWorkflow[]> {
  assertClientIds(options.clients ?? []);
  const prefix = config.temporal.workflowIdPrefix;
  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  const signal = { reason: options.reason };
  const stopped: StoppedWorkflow[] = [];

  if (!options.clients) {
    const ingest = temporal.workflow.getHandle(ingestWorkflowId(prefix, config.target.topic));
    const running = await isRunning(ingest);
    if (running) {
      await ingest.signal(stopSignal, signal);
      await ingestStopped(ingest, deadline);
    }
    stopped.push({ kind: 'ingest', workflowId: ingest.workflowId, outcome: running ? 'stopped' : 'not running' });
  }

  const clients = options.clients ?? (await deploymentClients(config, temporal));
  const handles = clients.map((c) => temporal.workflow.getHandle(clientWorkflowId(prefix, c)));
  const running = await Promise.all(handles.map((h) => isRunning(h)));
  const toStop = handles.filter((_, i) => running[i]);
  // Signalled together, so the clients finish their batches in flight in parallel.
  await Promise.all(toStop.map((h) => h.signal(stopSignal, signal)));
  await Promise.all(toStop.map((h) => untilStopped(h, deadline)));
  handles.forEach((h, i) => stopped.push({ kind: 'client', workflowId: h.workflowId, outcome: running[i] ? 'stopped' : 'not running' }));
  return stopped;
}
