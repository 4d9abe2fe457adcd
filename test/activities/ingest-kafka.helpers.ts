/**
 * The ingest activities on the real broker and DuckDB, for the activity tests: an isolated
 * environment with a topic of its own (one partition), the IO handles a worker would build, and
 * ingestBatch run as a fresh activity attempt.
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Kafka } from 'kafkajs';
import { createIngestActivities } from '../../activities/ingest';
import type { ClientQueueLoad } from '../../activities/client-load';
import type { RoutedSlices } from '../../activities/routed-slices';
import { createKafka, TopicOffsets } from '../../adapters/kafka/kafka';
import { ensureTopic } from '../../adapters/kafka/produce';
import { streamLimits } from '../../adapters/kafka/kept-message';
import { TopicStreams } from '../../adapters/kafka/topic-stream';
import { openDuckDB } from '../../adapters/lake/duck';
import { lakeIdentity } from '../../adapters/lake/lake-identity';
import { ingestSettings } from '../../adapters/temporal/start';
import type { IngestBatchResult, IngestSettings, PartitionOffsets } from '../../contract/types';
import { deleteTopic, isolatedEnv, requireServices } from '../helpers';
import type { TestEnv } from '../helpers';

export interface IngestOnKafka {
  t: TestEnv;
  kafka: Kafka;
  offsets: TopicOffsets;
  streams: TopicStreams;
  db: DuckDBInstance;
  settings: IngestSettings;
  ingest: ReturnType<typeof createIngestActivities>;
  topic: string;
  ingestBatch(seq: number, nextOffsets: PartitionOffsets): Promise<IngestBatchResult>;
  /** Closes the handles, deletes the topic and the lake. */
  close(): Promise<void>;
}

/**
 * `env`: the environment's settings (PIPELINE_…) besides the isolated topic and lake; `handoff`:
 * where the ingest leaves the records it routes, as a worker's does for its client runs;
 * `clientLoad`: how busy the worker's clients' queue is.
 */
export async function ingestOnKafka(
  name: string,
  env: Record<string, string>,
  handoff?: RoutedSlices,
  clientLoad?: ClientQueueLoad,
): Promise<IngestOnKafka> {
  const t = isolatedEnv(name, env);
  await requireServices(t.config);
  const kafka = createKafka(t.config.kafka);
  const offsets = new TopicOffsets(kafka);
  const streams = new TopicStreams(kafka, streamLimits(t.config));
  const topic = t.config.target.topic;
  await ensureTopic(kafka, topic, 1);
  const db = await openDuckDB({ threads: 1 });
  const lakeId = await lakeIdentity(t.config.lakeDir);
  const settings = ingestSettings(t.config, lakeId);
  const ingest = createIngestActivities({ config: t.config, kafka, offsets, streams, db, temporal: {} as Client, lakeId, clientLoad }, handoff);
  return {
    t,
    kafka,
    offsets,
    streams,
    db,
    settings,
    ingest,
    topic,
    ingestBatch: (seq, nextOffsets) =>
      new MockActivityEnvironment({ startToCloseTimeoutMs: 5 * 60_000 }).run(ingest.ingestBatch, { settings, seq, nextOffsets, stopAt: null }),
    async close() {
      await streams.close();
      await offsets.close();
      db.closeSync();
      await deleteTopic(kafka, topic);
      t.cleanupLake();
    },
  };
}
