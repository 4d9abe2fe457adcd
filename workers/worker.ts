/**
 * A pipeline worker: builds the IO handles once (Kafka, DuckDB, Temporal client), injects them
 * into the activities, and polls the task queue. Several may run, on several machines.
 */
import { bundleWorkflowCode, NativeConnection, Worker } from '@temporalio/worker';
import type { WorkerInterceptors } from '@temporalio/worker';
import type { ResolvedConfig } from '../config/schema';
import { openDuckDB } from '../adapters/lake/duck';
import { lakeIdentity } from '../adapters/lake/lake-identity';
import { createKafka, TopicOffsets } from '../adapters/kafka/kafka';
import { streamLimits } from '../adapters/kafka/kept-message';
import { TopicStreams } from '../adapters/kafka/topic-stream';
import { connectClient, temporalConnectionOptions } from '../adapters/temporal/client';
import { createActivities } from '../activities';
import { ClientQueueLoad } from '../activities/client-load';
import { ingestTaskQueue } from '../contract/ids';
import { bundlerLogger, runtimeLogger } from './logging';

/**
 * After shutdown is asked for, running activities get this long to finish; then they are
 * cancelled (reason WORKER_SHUTDOWN), which ends an idle ingest's wait for messages at once.
 * A cancelled attempt is retried at once on another worker, or on this one's next start: every
 * activity is safe to repeat. Lake writes of one batch take well under a second.
 */
export const SHUTDOWN_GRACE_MS = 3_000;

/**
 * Activities a worker runs at once on the clients' queue. Most of a client run's time is waiting
 * (file writes and fsyncs, DuckDB on its own threads, round trips to the server): enough slots
 * that many clients' runs overlap, while DuckDB's threads bound the CPU it takes.
 */
const CLIENT_ACTIVITY_SLOTS = 32;

/** What both of a worker's queues are polled with. */
function queueOptions(config: ResolvedConfig) {
  return {
    namespace: config.temporal.namespace,
    shutdownGraceTime: SHUTDOWN_GRACE_MS,
    // Heartbeats reach the server at least this often, and a cancel request or a timed-out
    // attempt is learned from their responses: the sooner, the shorter a stale attempt's
    // window to publish before its fence goes down.
    maxHeartbeatThrottleInterval: '2 seconds',
  } as const;
}

/**
 * How the clients' queue (client workflows and their runs) is polled: by the pipeline worker,
 * and by the orchestration benchmark, which must measure the same worker.
 */
export function clientQueueOptions(config: ResolvedConfig) {
  return {
    ...queueOptions(config),
    taskQueue: config.temporal.taskQueue,
    maxConcurrentActivityTaskExecutions: CLIENT_ACTIVITY_SLOTS,
    maxConcurrentWorkflowTaskExecutions: 40,
  } as const;
}

/** Counts the activities running on the clients' queue, for the ingest to see when the clients are busy. */
function clientLoadInterceptor(load: ClientQueueLoad): WorkerInterceptors {
  return { activity: [() => ({ inbound: { execute: (input, next) => load.track(() => next(input)) } })] };
}

export interface RunningWorker {
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  /** Asks the worker to stop; safe to call more than once. */
  shutdown(): void;
}

export async function startWorker(config: ResolvedConfig): Promise<RunningWorker> {
  const logger = runtimeLogger();
  const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('../workflows'), logger: bundlerLogger(logger) });
  const kafka = createKafka(config.kafka);
  const offsets = new TopicOffsets(kafka);
  const streams = new TopicStreams(kafka, streamLimits(config));
  const db = await openDuckDB();
  const lakeId = await lakeIdentity(config.lakeDir);
  const temporal = await connectClient(config);
  const connection = await NativeConnection.connect(temporalConnectionOptions(config.temporal));
  const clientLoad = new ClientQueueLoad(CLIENT_ACTIVITY_SLOTS);
  const activities = createActivities({ config, kafka, offsets, streams, db, temporal, lakeId, clientLoad });
  async function createWorkers(): Promise<[Worker, Worker]> {
    const worker = await Worker.create({
      ...clientQueueOptions(config),
      connection,
      activities,
      workflowBundle,
      interceptors: clientLoadInterceptor(clientLoad),
    });
    // The ingest's activities (read Kafka, land raw batches, hand them over) on a queue of their
    // own, so they never wait behind the clients' lake work.
    const ingestWorker = await Worker.create({
      ...queueOptions(config),
      connection,
      activities,
      taskQueue: ingestTaskQueue(config.temporal.taskQueue),
      maxConcurrentActivityTaskExecutions: 8,
    });
    return [worker, ingestWorker];
  }
  const closeConnections = async (): Promise<void> => {
    await streams.close();
    await offsets.close();
    await temporal.connection.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
    db.closeSync();
  };
  const [worker, ingestWorker] = await createWorkers().catch(async (e: unknown) => {
    // A worker that cannot start leaves nothing open behind it, so the process can exit.
    await closeConnections();
    throw e;
  });
  const stopAll = (): void => {
    // The SDK also shuts workers down on SIGINT/SIGTERM; a second request is not an error.
    for (const w of [worker, ingestWorker]) if (w.getState() === 'RUNNING') w.shutdown();
  };
  const runBoth = async (): Promise<void> => {
    const runs = [worker.run(), ingestWorker.run()];
    try {
      await Promise.all(runs);
    } catch (e) {
      // One of them failed: the other stops too, rather than running half a worker.
      stopAll();
      await Promise.allSettled(runs);
      throw e;
    }
  };
  const done = runBoth().finally(closeConnections);
  return {
    done,
    shutdown: stopAll,
  };
}
