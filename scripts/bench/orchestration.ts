/**
 * `npm run bench -- --orchestration`: what Temporal costs per client and batch, without the data
 * work. The real client workflows on a worker of their own, with the worker's slots and
 * heartbeat settings, but a client run that only heartbeats and returns its counts; each round
 * hands one batch to every client as the ingest does (signal-with-start, as many at once as its
 * dispatch), and waits until every client ran it. The Temporal server's CPU and the worker's, by
 * thread, divided by the client-batches: the floor under what a client costs per batch, however
 * little data it has. Needs Temporal (`pipeline stack up`), not Kafka.
 */
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

export interface OrchestrationFigures {
  mode: 'orchestration';
  clients: number;
  batchesPerClient: number;
  clientBatches: number;
  seconds: number;
  clientBatchesPerSecond: number;
  /** Milliseconds of CPU per client and batch: the Temporal server's (its idle polling taken out), null when `pipeline stack up` did not start it. */
  serverCpuMs: number | null;
  /** Milliseconds of the worker's CPU per client and batch, all threads, and by kind of thread (thread-cpu.ts). */
  workerCpuMs: number;
  workerCpuMsByThread: Record<ThreadGroup, number> | null;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

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
    // Started before the measured span: a long-running deployment starts its clients once.
    const handles = await mapBounded(clients, DISPATCH_CONCURRENCY, (clientId) =>
      temporal.workflow.start(CLIENT_WORKFLOW_TYPE, clientWorkflowStart(settings, clientId)),
    );
    for (const h of handles) await waitFor(`${h.workflowId} to start`, () => h.query(statusQuery), 60_000, 50);
    // The server's CPU while nothing happens (the worker's polls), taken out of the span's.
    const idle = measureStackCpu(config);
    const idleStart = performance.now();
    await sleep(2_000);
    const idleTemporal = idle.stop().temporalSeconds;
    const idlePerSecond = idleTemporal === null ? null : idleTemporal / ((performance.now() - idleStart) / 1000);

    const stack = measureStackCpu(config);
    const threads = cpuByThreadGroup();
    const cpu = process.cpuUsage();
    const start = performance.now();
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
    // The workflow task that takes in each run's result, after the last run.
    await sleep(1_000);
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const server = stack.stop().temporalSeconds;
    const byThread = threads && cpuByThreadGroup();
    for (const h of handles) {
      const s = await h.query(statusQuery);
      if (s.processed !== batches) throw new Error(`${h.workflowId} processed ${s.processed} batches, not ${batches}`);
    }
    const n = clientCount * batches;
    const perBatchMs = (s: number) => round1((s * 1000) / n);
    return {
      mode: 'orchestration',
      clients: clientCount,
      batchesPerClient: batches,
      clientBatches: n,
      seconds: round1(seconds),
      clientBatchesPerSecond: Math.round(n / seconds),
      serverCpuMs: server === null || idlePerSecond === null ? null : perBatchMs(Math.max(0, server - idlePerSecond * seconds)),
      workerCpuMs: perBatchMs((used.user + used.system) / 1e6),
      workerCpuMsByThread:
        threads && byThread
          ? (Object.fromEntries(Object.entries(threadCpuSince(threads, byThread)).map(([g, s]) => [g, perBatchMs(s)])) as Record<ThreadGroup, number>)
          : null,
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
