/**
 * A pipeline worker: builds the IO handles once (Kafka, DuckDB, Temporal client), injects them
 * into the activities, and polls the task queue. Several may run, on several machines.
 */
import { NativeConnection, Worker } from '@temporalio/worker';
import type { ResolvedConfig } from '../config/schema';
import { openDuckDB } from '../adapters/lake/duck';
import { lakeIdentity } from '../adapters/lake/lake-identity';
import { createKafka, TopicOffsets } from '../adapters/kafka/kafka';
import { connectClient } from '../adapters/temporal/client';
import { createActivities } from '../activities';

export interface RunningWorker {
  /** Resolves when the worker has stopped. */
  done: Promise<void>;
  shutdown(): void;
}

export async function startWorker(config: ResolvedConfig): Promise<RunningWorker> {
  const kafka = createKafka(config.kafka);
  const offsets = new TopicOffsets(kafka);
  const db = await openDuckDB();
  const lakeId = await lakeIdentity(config.lakeDir);
  const temporal = await connectClient(config);
  const connection = await NativeConnection.connect({ address: config.temporal.address });
  const worker = await Worker.create({
    connection,
    namespace: config.temporal.namespace,
    taskQueue: config.temporal.taskQueue,
    workflowsPath: require.resolve('../workflows'),
    activities: createActivities({ config, kafka, offsets, db, temporal, lakeId }),
    // DuckDB work is CPU-bound and shares one instance; a few at a time keeps batches flowing
    // without starving the ingest's Kafka polls.
    maxConcurrentActivityTaskExecutions: 8,
    maxConcurrentWorkflowTaskExecutions: 20,
    shutdownGraceTime: '10 seconds',
  });
  const done = worker.run().finally(async () => {
    await offsets.close();
    await temporal.connection.close().catch(() => undefined);
    await connection.close().catch(() => undefined);
    db.closeSync();
  });
  return { done, shutdown: () => worker.shutdown() };
}
