/**
 * `npm run bench -- --orchestration`: what Temporal costs per client and batch, without the data
 * work. The real client workflows on a worker of their own, with the worker's slots and
 * heartbeat settings, but a client run that only heartbeats and returns its counts; each round
 * hands one batch to every client as the ingest does (signal-with-start, as many at once as its
 * dispatch), and waits until every client ran it. The Temporal server's CPU and the worker's, by
 * thread, divided by the client-batches: the floor under what a client costs per batch, however
 * little data it has. Needs Temporal (`pipeline stack up`), not Kafka.
 */
import type { ResolvedConfig } from '../../config/schema';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { ingestSettings } from '../../adapters/temporal/start';
import { connectClient, temporalConnectionOptions } from '../../adapters/temporal/client';
import { whileHeartbeating } from '../../activities/heartbeat';
import { DISPATCH_CONCURRENCY } from '../../activities/ingest';
import { CLIENT_WORKFLOW_TYPE, clientWorkflowStart } from '../../contract/client-workflow';
import { batchReadySignal, statusQuery } from '../../contract/messages';
import type { PipelineActivities } from '../../contract/activities';
import type { ClientRunInput, ClientRunLayers, CompactionInput, CompactionOutcome } from '../../contract/types';
import { mapBounded } from '../../domain/concurrency';
import { demoClientIds } from '../../domain/demo';
import { CLIENT_QUEUE_SLOTS, MAX_HEARTBEAT_THROTTLE, SHUTDOWN_GRACE_MS } from '../../workers/worker';
import { bundlerLogger, runtimeLogger } from '../../workers/logging';
import { isolatedEnv, requireServices, terminateWorkflows, waitFor } from '../sandbox';
import { measureStackCpu } from './stack-cpu';
import { cpuByThreadGroup, threadCpuSince } from './thread-cpu';
import type { ThreadGroup } from './thread-cpu';

/** CPU per unit of work (a client started, or a client-batch run), in milliseconds. */
export interface OrchestrationCost {
  /** The Temporal server's (its idle polling taken out); null when `pipeline stack up` did not start it. */
  serverCpuMs: number | null;
  /** The worker's, all threads, and by kind of thread (thread-cpu.ts). */
  workerCpuMs: number;
  workerCpuMsByThread: Record<ThreadGroup, number> | null;
}

export interface OrchestrationFigures {
  mode: 'orchestration';
  clients: number;
  batchesPerClient: number;
  clientBatches: number;
  seconds: number;
  clientBatchesPerSecond: number;
  /** Per client-batch: a batch handed over, run and taken in. */
  perClientBatch: OrchestrationCost;
  /** Per client workflow started (once per client in a long-running deployment; the backlog bench counts it in every run). */
  perClientStart: OrchestrationCost;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The worker's CPU, all threads, in seconds. */
const workerCpuSeconds = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
};

/** Waits until the worker has had nothing to do for a moment: every workflow task of the span is done. */
async function untilQuiet(): Promise<void> {
  const windowMs = 250;
  for (;;) {
    const before = workerCpuSeconds();
    await sleep(windowMs);
    // Under 4 % of a core: the polls, no workflow task.
    if (workerCpuSeconds() - before < (0.04 * windowMs) / 1000) return;
  }
}

/**
 * Measures the server's and the worker's CPU over a span of work; `stop(units)` gives it per
 * unit. `idlePerSecond` is the server's CPU with nothing to do (the worker's long polls), taken
 * out of the span's.
 */
function costSpan(config: ResolvedConfig, idlePerSecond: number | null) {
  const stack = measureStackCpu(config);
  const threads = cpuByThreadGroup();
  const worker = workerCpuSeconds();
  const start = performance.now();
  return {
    stop(units: number): OrchestrationCost & { seconds: number } {
      const seconds = (performance.now() - start) / 1000;
      const server = stack.stop().temporalSeconds;
      const byThread = threads && cpuByThreadGroup();
      const perUnitMs = (s: number) => round1((s * 1000) / units);
      return {
        seconds,
        serverCpuMs: server === null || idlePerSecond === null ? null : perUnitMs(Math.max(0, server - idlePerSecond * seconds)),
        workerCpuMs: perUnitMs(workerCpuSeconds() - worker),
        workerCpuMsByThread:
          threads && byThread
            ? (Object.fromEntries(Object.entries(threadCpuSince(threads, byThread)).map(([g, s]) => [g, perUnitMs(s)])) as Record<
                ThreadGroup,
                number
              >)
            : null,
      };
    },
  };
}

/** Client runs that do no data work: a heartbeat (as a real run's first), then every batch counted as passed. */
function emptyRuns(onRun: (batches: number) => void): Pick<PipelineActivities, 'runClientBatches' | 'compactClientTables'> {
  return {
    runClientBatches: (input: ClientRunInput): Promise<ClientRunLayers> =>
      whileHeartbeating(async () => {
        onRun(input.batches.length);
        const counts = input.batches.map((b) => ({ records: b.records, passed: b.records, dropped: 0, warned: 0 }));
        return { bronze: counts, silver: counts, goldRows: 0 };
      }),
    compactClientTables: async ({ clientId }: CompactionInput): Promise<CompactionOutcome> => ({
      clientId,
      folders: 0,
      filesBefore: 0,
      filesAfter: 0,
    }),
  };
}

export async function benchOrchestration({ clients: clientCount, batches }: { clients: number; batches: number }): Promise<OrchestrationFigures> {
  const t = isolatedEnv('bench-orch');
  const { config } = t;
  await requireServices(config, { kafka: false }).catch((e: unknown) => {
    t.cleanupLake();
    throw e;
  });
  const settings = ingestSettings(config, 'bench-orchestration');
  const clients = demoClientIds(clientCount);
  let ran = 0;
  // Before the connection, which would make the SDK's runtime with its own logger.
  const logger = runtimeLogger();
  const temporal = await connectClient(config);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  try {
    worker = await Worker.create({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: bundlerLogger(logger) }),
      activities: emptyRuns((n) => (ran += n)),
      shutdownGraceTime: SHUTDOWN_GRACE_MS,
      maxHeartbeatThrottleInterval: MAX_HEARTBEAT_THROTTLE,
      ...CLIENT_QUEUE_SLOTS,
    });
    running = worker.run();
    // The server's CPU while nothing happens but the worker's polls.
    const idle = measureStackCpu(config);
    const idleStart = performance.now();
    await sleep(2_000);
    const idleTemporal = idle.stop().temporalSeconds;
    const idlePerSecond = idleTemporal === null ? null : idleTemporal / ((performance.now() - idleStart) / 1000);

    const starting = costSpan(config, idlePerSecond);
    const handles = await mapBounded(clients, DISPATCH_CONCURRENCY, (clientId) =>
      temporal.workflow.start(CLIENT_WORKFLOW_TYPE, clientWorkflowStart(settings, clientId)),
    );
    await untilQuiet();
    const { seconds: _, ...perClientStart } = starting.stop(clientCount);
    for (const h of handles) await waitFor(`${h.workflowId} to start`, () => h.query(statusQuery), 60_000, 50);

    const handing = costSpan(config, idlePerSecond);
    for (let seq = 0; seq < batches; seq++) {
      const batch = { topic: settings.topic, seq, batchId: `${settings.topic}.${String(seq).padStart(9, '0')}`, records: 100 };
      await mapBounded(clients, DISPATCH_CONCURRENCY, (clientId) =>
        temporal.workflow.signalWithStart(CLIENT_WORKFLOW_TYPE, {
          ...clientWorkflowStart(settings, clientId),
          signal: batchReadySignal,
          signalArgs: [batch],
        }),
      );
      // Each round waits for the last: a client gets one batch per run, as in a backlog of full batches.
      await waitFor(`every client to run batch ${seq}`, async () => ran >= clientCount * (seq + 1), 10 * 60_000, 10);
    }
    // The workflow tasks that take in the last runs' results.
    await untilQuiet();
    const n = clientCount * batches;
    const { seconds, ...perClientBatch } = handing.stop(n);
    for (const h of handles) {
      const s = await h.query(statusQuery);
      if (s.processed !== batches) throw new Error(`${h.workflowId} processed ${s.processed} batches, not ${batches}`);
    }
    return {
      mode: 'orchestration',
      clients: clientCount,
      batchesPerClient: batches,
      clientBatches: n,
      seconds: round1(seconds),
      clientBatchesPerSecond: Math.round(n / seconds),
      perClientBatch,
      perClientStart,
    };
  } finally {
    await terminateWorkflows(temporal, config.temporal.workflowIdPrefix, 'benchmark finished').catch(() => undefined);
    worker?.shutdown();
    await running?.catch(() => undefined);
    await connection.close().catch(() => undefined);
    await temporal.connection.close().catch(() => undefined);
    t.cleanupLake();
  }
}
