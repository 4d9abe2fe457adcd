/**
 * `npm run bench -- --orchestration`: what Temporal costs per client and batch, without the data
 * work. The real client workflows run on a worker polled as the pipeline worker polls the
 * clients' queue, but whose client run only heartbeats and returns its counts. The benchmark
 * starts K client workflows, then hands each of them B batches as the ingest does
 * (signal-with-start, as many in flight as its dispatch), one round at a time: a round ends when
 * every client's run of its batch has started, so each run holds one batch, as in a backlog of
 * full batches. It reports the Temporal server's CPU and this process's (the worker's, and the
 * dispatching client's, which in the pipeline also runs in the worker) per client-batch and per
 * client started: the floor under what a client costs, however little data it has. Needs
 * Temporal (`pipeline stack up`), not Kafka.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import { ingestSettings } from '../../adapters/temporal/start';
import { connectClient, temporalConnectionOptions } from '../../adapters/temporal/client';
import { DISPATCH_CONCURRENCY } from '../../activities/ingest';
import type { ResolvedConfig } from '../../config/schema';
import { CLIENT_WORKFLOW_TYPE, clientWorkflowStart } from '../../contract/client-workflow';
import { clientWorkflowId } from '../../contract/ids';
import { batchReadySignal, statusQuery } from '../../contract/messages';
import { mapBounded } from '../../domain/concurrency';
import { demoClientIds } from '../../domain/demo';
import { batchId } from '../../domain/lake-layout';
import { clientQueueOptions } from '../../workers/worker';
import { bundlerLogger, runtimeLogger } from '../../workers/logging';
import { isolatedEnv, requireServices } from '../sandbox';
import { emptyRuns, RunsStarted } from './empty-runs';
import { measureStackCpu } from './stack-cpu';
import { cpuByThreadGroup, threadCpuSince } from './thread-cpu';
import type { ThreadGroup } from './thread-cpu';

/** CPU per unit of work (a client started, or a client-batch run), in milliseconds. */
export interface OrchestrationCost {
  /** The Temporal server's, its CPU with nothing of this benchmark to do taken out; null when `pipeline stack up` did not start it. */
  serverCpuMs: number | null;
  /** This process's: the worker's, and the client that starts and signals the workflows. */
  processCpuMs: number;
  /** The same by kind of thread (thread-cpu.ts); null without /proc. */
  processCpuMsByThread: Record<ThreadGroup, number> | null;
}

export interface OrchestrationFigures {
  mode: 'orchestration';
  clients: number;
  batchesPerClient: number;
  clientBatches: number;
  /** From the first hand-off to the start of the last run. */
  seconds: number;
  clientBatchesPerSecond: number;
  /** The server's CPU, in milliseconds per second, while this benchmark gave it nothing to do (the worker's polls, and anyone else's work). */
  serverIdleCpuMsPerSecond: number | null;
  /** Per client-batch: a batch handed over, run and taken in. */
  perClientBatch: OrchestrationCost;
  /** Per client workflow started (once per client in a long-running deployment; the backlog benchmark counts it in every run). */
  perClientStart: OrchestrationCost;
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** How long any one wait of the benchmark may take before it gives up. */
const PATIENCE_MS = 5 * 60_000;

/** This process's CPU, all threads, in seconds. */
function processCpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

/** What a span of work took: its length, the server's CPU, this process's, and by thread (seconds). */
interface SpanCpu {
  seconds: number;
  server: number | null;
  process: number;
  threads: Record<ThreadGroup, number> | null;
}

/** Starts measuring a span of work; `stop` says what it took. */
function cpuSpan(config: ResolvedConfig): { stop(): SpanCpu } {
  const stack = measureStackCpu(config);
  const threads = cpuByThreadGroup();
  const cpu = processCpuSeconds();
  const start = performance.now();
  return {
    stop() {
      const after = threads && cpuByThreadGroup();
      return {
        seconds: (performance.now() - start) / 1000,
        server: stack.stop().temporalSeconds,
        process: processCpuSeconds() - cpu,
        threads: threads && after ? threadCpuSince(threads, after) : null,
      };
    },
  };
}

/** A span's CPU per unit of work, the server's idle rate (CPU seconds per second) taken out. */
function perUnit(span: SpanCpu, units: number, serverIdlePerSecond: number | null): OrchestrationCost {
  const ms = (s: number) => round1((s * 1000) / units);
  const t = span.threads;
  return {
    serverCpuMs: span.server === null || serverIdlePerSecond === null ? null : ms(Math.max(0, span.server - serverIdlePerSecond * span.seconds)),
    processCpuMs: ms(span.process),
    processCpuMsByThread: t && { javascript: ms(t.javascript), temporalCore: ms(t.temporalCore), other: ms(t.other) },
  };
}

/** The server's CPU seconds per second over `ms` in which this benchmark asks nothing of it. */
async function serverIdleRate(config: ResolvedConfig, ms: number): Promise<number | null> {
  const idle = measureStackCpu(config);
  const start = performance.now();
  await sleep(ms);
  const seconds = idle.stop().temporalSeconds;
  return seconds === null ? null : seconds / ((performance.now() - start) / 1000);
}

export async function benchOrchestration({ clients: clientCount, batches }: { clients: number; batches: number }): Promise<OrchestrationFigures> {
  const t = isolatedEnv('bench-orch');
  const { config } = t;
  const settings = ingestSettings(config, 'bench-orchestration');
  const clients = demoClientIds(clientCount);
  const runs = new RunsStarted();
  let temporal: Client | undefined;
  let connection: NativeConnection | undefined;
  let worker: Worker | undefined;
  let running: Promise<void> | undefined;
  try {
    await requireServices(config, { kafka: false });
    // Before the connections, which would make the SDK's runtime with its own logger.
    const logger = runtimeLogger();
    const client = await connectClient(config);
    temporal = client;
    connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
    worker = await Worker.create({
      ...clientQueueOptions(config),
      connection,
      workflowBundle: await bundleWorkflowCode({ workflowsPath: require.resolve('../../workflows'), logger: bundlerLogger(logger) }),
      activities: emptyRuns(runs),
    });
    const w = worker;
    running = w.run();
    // A worker that stops (a fatal error, Ctrl-C) ends the benchmark at once rather than leaving it waiting.
    const stopped = running.then(() => {
      throw new Error('the worker stopped before the benchmark was done');
    });
    stopped.catch(() => undefined);
    const within = async <T>(what: string, work: Promise<T>): Promise<T> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`gave up after ${PATIENCE_MS / 1000} s waiting for ${what}`)), PATIENCE_MS);
      });
      try {
        return await Promise.race([work, stopped, timeout]);
      } finally {
        clearTimeout(timer);
      }
    };
    /** Polls until `holds`; ends, polling no more, when the worker stops or the deadline passes. */
    const until = async (what: string, holds: () => boolean): Promise<void> => {
      const deadline = performance.now() + PATIENCE_MS;
      while (!holds()) {
        if (w.getState() !== 'RUNNING') throw new Error(`the worker stopped before ${what}`);
        if (performance.now() > deadline) throw new Error(`gave up after ${PATIENCE_MS / 1000} s waiting for ${what}`);
        await sleep(50);
      }
    };
    /** Until the worker has had nothing in hand for several checks in a row and `done` holds: the span's workflow tasks are over. */
    const settled = (what: string, done: () => boolean): Promise<void> => {
      let quiet = 0;
      return until(what, () => {
        const s = w.getStatus();
        quiet = done() && s.numInFlightWorkflowActivations === 0 && s.numInFlightActivities === 0 ? quiet + 1 : 0;
        return quiet >= 4;
      });
    };
    await until('the worker to poll', () => w.getStatus().hasOutstandingWorkflowPoll);
    const idleBefore = await serverIdleRate(config, 2_000);

    const starting = cpuSpan(config);
    const handles: WorkflowHandle[] = await within(
      'the client workflows to start',
      mapBounded(clients, DISPATCH_CONCURRENCY, (clientId) => client.workflow.start(CLIENT_WORKFLOW_TYPE, clientWorkflowStart(settings, clientId))),
    );
    // Each workflow enters the worker's cache with its first workflow task (as many as the cache holds).
    const cached = Math.min(clientCount, w.options.maxCachedWorkflows);
    await settled('every client workflow to take its first task', () => w.getStatus().numCachedWorkflows >= cached);
    const startSpan = starting.stop();

    const handing = cpuSpan(config);
    const handStart = performance.now();
    for (let seq = 0; seq < batches; seq++) {
      const batch = { topic: settings.topic, seq, batchId: batchId(settings.topic, seq), records: 100 };
      await within(
        `batch ${seq} to reach every client`,
        mapBounded(clients, DISPATCH_CONCURRENCY, (clientId) =>
          client.workflow.signalWithStart(CLIENT_WORKFLOW_TYPE, {
            ...clientWorkflowStart(settings, clientId),
            signal: batchReadySignal,
            signalArgs: [batch],
          }),
        ),
      );
      // Each round waits for the last: a client gets one batch per run, as in a backlog of full batches.
      await within(`every client to run batch ${seq}`, runs.all(seq, clientCount));
    }
    const seconds = (performance.now() - handStart) / 1000;
    // The workflow tasks that take in the last runs' results.
    await settled('the last runs to be taken in', () => true);
    const handSpan = handing.stop();
    const idleAfter = await serverIdleRate(config, 2_000);
    // The lower of the two: other work on a shared server only ever adds.
    const idle = idleBefore === null || idleAfter === null ? null : Math.min(idleBefore, idleAfter);
    const n = clientCount * batches;
    const perClientBatch = perUnit(handSpan, n, idle);
    const perClientStart = perUnit(startSpan, clientCount, idle);
    for (const h of handles) {
      const s = await h.query(statusQuery);
      if (s.processed !== batches) {
        throw new Error(
          `${h.workflowId} had processed ${s.processed} of ${batches} batches when the span ended: the server was slow to hand back; run again`,
        );
      }
    }
    return {
      mode: 'orchestration',
      clients: clientCount,
      batchesPerClient: batches,
      clientBatches: n,
      seconds: round1(seconds),
      clientBatchesPerSecond: Math.round(n / seconds),
      serverIdleCpuMsPerSecond: idle === null ? null : round1(idle * 1000),
      perClientBatch,
      perClientStart,
    };
  } finally {
    const connected = temporal;
    if (connected) {
      await mapBounded(clients, DISPATCH_CONCURRENCY, (clientId) =>
        connected.workflow
          .getHandle(clientWorkflowId(config.temporal.workflowIdPrefix, clientId))
          .terminate('benchmark finished')
          .catch(() => undefined),
      );
    }
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    await connection?.close().catch(() => undefined);
    await connected?.connection.close().catch(() => undefined);
    t.cleanupLake();
  }
}
