/**
 * ingestBatch under a backlog, on the real broker: while the topic holds a full batch's count of
 * messages, each batch is read full, however short maxWaitMs is (reading them takes several
 * fetches); the rest of the backlog makes a last, smaller batch closed after maxWaitMs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { Kafka } from 'kafkajs';
import { createIngestActivities } from '../../activities/ingest';
import { createKafka, TopicOffsets } from '../../adapters/kafka/kafka';
import { streamLimits, TopicStreams } from '../../adapters/kafka/topic-stream';
import { ensureTopic, produceMessages } from '../../adapters/kafka/produce';
import { openDuckDB } from '../../adapters/lake/duck';
import { lakeIdentity } from '../../adapters/lake/lake-identity';
import { ingestSettings } from '../../adapters/temporal/start';
import type { IngestBatchResult, IngestSettings, PartitionOffsets } from '../../contract/types';
import { deleteTopic, isolatedEnv, requireServices } from '../helpers';
import type { TestEnv } from '../helpers';

const BATCH = 6_000;
const MESSAGES = 2 * BATCH + 1_500;
// About 2 KB each: one fetch (4 MiB per partition) brings some 2,000, a third of a batch, and a
// batch (12 MB) stays well under the 32 MiB byte budget, so only the count can fill it.
const pad = 'x'.repeat(2_000);

describe('ingestBatch under a backlog', () => {
  let t: TestEnv;
  let kafka: Kafka;
  let offsets: TopicOffsets;
  let streams: TopicStreams;
  let db: DuckDBInstance;
  let settings: IngestSettings;
  let ingest: ReturnType<typeof createIngestActivities>;
  const ingestBatch = (seq: number, nextOffsets: PartitionOffsets): Promise<IngestBatchResult> =>
    new MockActivityEnvironment({ startToCloseTimeoutMs: 5 * 60_000 }).run(ingest.ingestBatch, { settings, seq, nextOffsets, stopAt: null });

  before(async () => {
    t = isolatedEnv('ingest-backlog', {
      PIPELINE_KNOWN_CLIENTS: 'acme',
      PIPELINE_BATCH_MAX_MESSAGES: String(BATCH),
      PIPELINE_BATCH_MAX_WAIT_MS: '10',
    });
    await requireServices(t.config);
    kafka = createKafka(t.config.kafka);
    offsets = new TopicOffsets(kafka);
    streams = new TopicStreams(kafka, streamLimits(t.config));
    await ensureTopic(kafka, t.config.target.topic, 1);
    db = await openDuckDB({ threads: 1 });
    const lakeId = await lakeIdentity(t.config.lakeDir);
    settings = ingestSettings(t.config, lakeId);
    ingest = createIngestActivities({ config: t.config, kafka, offsets, streams, db, temporal: {} as Client, lakeId });
    const value = (seq: number) => Buffer.from(JSON.stringify({ client_id: 'acme', timestamp: '2026-11-20T10:00:00Z', seq, pad }));
    // In requests under the broker's 1 MB limit.
    for (let from = 0; from < MESSAGES; from += 250) {
      const seqs = Array.from({ length: Math.min(250, MESSAGES - from) }, (_, i) => from + i);
      await produceMessages(
        kafka,
        t.config.target.topic,
        seqs.map((seq) => ({ key: 'acme', value: value(seq) })),
      );
    }
  });
  after(async () => {
    await streams.close();
    await offsets.close();
    db.closeSync();
    await deleteTopic(kafka, t.config.target.topic);
    t.cleanupLake();
  });

  it('reads each batch full while the topic holds one, then closes the rest after maxWaitMs', async () => {
    const sizes: number[] = [];
    let next: PartitionOffsets = {};
    for (let seq = 0; sizes.reduce((n, s) => n + s, 0) < MESSAGES; seq += 1) {
      const result = await ingestBatch(seq, next);
      assert.equal(result.kind, 'batch');
      if (result.kind !== 'batch') return;
      sizes.push(result.messages);
      next = result.nextOffsets;
    }
    assert.deepEqual(sizes, [BATCH, BATCH, MESSAGES - 2 * BATCH]);
  });
});
