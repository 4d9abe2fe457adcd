/**
 * A raw batch file is sorted by client in small row groups, so a client's run reads the few
 * groups of its own slice: with many clients, the rest of the batch's values are skipped by
 * the groups' statistics instead of being decompressed by every client's run.
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
import { openDuckDB, withConnection } from '../../adapters/lake/duck';
import { lakeIdentity } from '../../adapters/lake/lake-identity';
import { ingestSettings } from '../../adapters/temporal/start';
import type { IngestBatchResult } from '../../contract/types';
import { batchId, LakeLayout } from '../../domain/lake-layout';
import { RAW_ROW_GROUP_ROWS } from '../../domain/tables';
import { deleteTopic, isolatedEnv, requireServices } from '../helpers';
import type { TestEnv } from '../helpers';

const CLIENTS = ['acme', 'bolt', 'cora'];
const PER_CLIENT = 3000;

describe('raw batch files', () => {
  let t: TestEnv;
  let kafka: Kafka;
  let offsets: TopicOffsets;
  let streams: TopicStreams;
  let db: DuckDBInstance;
  const topic = () => t.config.target.topic;

  before(async () => {
    t = isolatedEnv('raw-row-groups', {
      PIPELINE_KNOWN_CLIENTS: CLIENTS.join(','),
      PIPELINE_BATCH_MAX_MESSAGES: String(CLIENTS.length * PER_CLIENT),
      PIPELINE_BATCH_MAX_WAIT_MS: '100',
    });
    await requireServices(t.config);
    kafka = createKafka(t.config.kafka);
    offsets = new TopicOffsets(kafka);
    streams = new TopicStreams(kafka, streamLimits(t.config));
    await ensureTopic(kafka, topic(), 1);
    db = await openDuckDB({ threads: 1 });
  });
  after(async () => {
    await streams.close();
    await offsets.close();
    db.closeSync();
    await deleteTopic(kafka, topic());
    t.cleanupLake();
  });

  it("hold each client's slice in the few row groups it spans", async () => {
    // Interleaved, as clients share a topic.
    const messages = Array.from({ length: CLIENTS.length * PER_CLIENT }, (_, i) => {
      const client = CLIENTS[i % CLIENTS.length]!;
      return { key: client, value: Buffer.from(JSON.stringify({ client_id: client, timestamp: '2026-11-20T10:00:00Z', seq: i })) };
    });
    await produceMessages(kafka, topic(), messages);
    const lakeId = await lakeIdentity(t.config.lakeDir);
    const ingest = createIngestActivities({ config: t.config, kafka, offsets, streams, db, temporal: {} as Client, lakeId });
    const result: IngestBatchResult = await new MockActivityEnvironment({ startToCloseTimeoutMs: 5 * 60_000 }).run(ingest.ingestBatch, {
      settings: ingestSettings(t.config, lakeId),
      seq: 0,
      nextOffsets: {},
      stopAt: null,
    });
    assert.ok(result.kind === 'batch' && result.messages === messages.length);

    const file = new LakeLayout(t.config.lakeDir).rawFile(topic(), batchId(topic(), 0));
    const groups = await withConnection(db, async (conn) =>
      (
        await conn.runAndReadAll(
          `SELECT row_group_id, row_group_num_rows AS n, stats_min_value AS lo, stats_max_value AS hi
           FROM parquet_metadata('${file}') WHERE path_in_schema = 'client_id' ORDER BY row_group_id`,
        )
      ).getRowObjectsJS(),
    );
    assert.equal(
      groups.reduce((sum, g) => sum + Number(g.n), 0),
      messages.length,
    );
    assert.ok(groups.every((g) => Number(g.n) <= RAW_ROW_GROUP_ROWS));
    for (const client of CLIENTS) {
      // The groups a filter on this client cannot skip: its own rows, and at most a group's worth on either side.
      const read = groups.filter((g) => String(g.lo) <= client && client <= String(g.hi)).reduce((sum, g) => sum + Number(g.n), 0);
      assert.ok(read >= PER_CLIENT && read <= PER_CLIENT + 2 * RAW_ROW_GROUP_ROWS, `${client}: ${read} rows in the groups it reads`);
    }
  });
});
