/**
 * ingestBatch on the real broker and DuckDB: a retry of a batch writes exactly the rows of the
 * attempt it replaces (ingested_at included), landing a batch prunes the `_ingest` files of
 * batches far behind it, and a raw file holds each client's slice in row groups of its own.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { DuckDBInstance } from '@duckdb/node-api';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createIngestActivities } from '../../activities/ingest';
import { MAX_LANDINGS } from '../../activities/ingest-landings';
import { ErrorType } from '../../contract/errors';
import { produceMessages } from '../../adapters/kafka/produce';
import { withConnection } from '../../adapters/lake/duck';
import { fileIdentity } from '../../adapters/lake/files';
import { RoutedSlices } from '../../activities/routed-slices';
import { lakeIdentity } from '../../adapters/lake/lake-identity';
import type { IngestBatchResult, PartitionOffsets } from '../../contract/types';
import { INGEST_FILES_KEPT } from '../../domain/batch-plan';
import { batchId, LakeLayout, ROUTER_SCOPE } from '../../domain/lake-layout';
import { RAW_ROW_GROUP_ROWS } from '../../domain/tables';
import { ingestOnKafka } from './ingest-kafka.helpers';
import type { IngestOnKafka } from './ingest-kafka.helpers';

const events = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    key: 'acme',
    value: Buffer.from(i % 5 === 4 ? '{not json' : JSON.stringify({ client_id: 'acme', timestamp: '2026-11-20T10:00:00Z', seq: from + i })),
  }));

const CLIENTS = ['acme', 'bolt', 'cora'];
const PER_CLIENT = 3000;

describe('ingestBatch on Kafka and DuckDB', () => {
  let k: IngestOnKafka;
  let layout: LakeLayout;
  const handoff = new RoutedSlices(1 << 30);
  const topic = () => k.topic;
  const ingestBatch = (seq: number, nextOffsets: PartitionOffsets) => k.ingestBatch(seq, nextOffsets);
  const rows = (file: string) =>
    withConnection(k.db, async (conn) => (await conn.runAndReadAll(`SELECT * FROM read_parquet('${file}') ORDER BY ALL`)).getRowObjectsJS());

  before(async () => {
    k = await ingestOnKafka(
      'ingest-batch',
      {
        PIPELINE_KNOWN_CLIENTS: CLIENTS.join(','),
        PIPELINE_BATCH_MAX_MESSAGES: String(CLIENTS.length * PER_CLIENT),
        PIPELINE_BATCH_MAX_WAIT_MS: '100',
      },
      handoff,
    );
    layout = new LakeLayout(k.t.config.lakeDir);
  });
  after(() => k.close());

  let first: PartitionOffsets = {};
  let afterPrune: { seq: number; offsets: PartitionOffsets } = { seq: 0, offsets: {} };
  let afterRecovery: { seq: number; offsets: PartitionOffsets } = { seq: 0, offsets: {} };

  it('a retry writes the same rows, ingested_at fixed by the plan', async () => {
    await produceMessages(k.kafka, topic(), events(20));
    const result = await ingestBatch(0, {});
    assert.ok(result.kind === 'batch' && result.messages === 20);
    first = result.nextOffsets;
    const batch = batchId(topic(), 0);
    const files = [
      layout.rawFile(topic(), batch),
      layout.errorsFile('bronze', ROUTER_SCOPE, batch),
      layout.metricsFile('bronze', ROUTER_SCOPE, batch),
    ];
    const before = await Promise.all(files.map(rows));
    const plan = JSON.parse(readFileSync(layout.planFile(topic(), 0), 'utf8')) as { plannedAt: string };
    assert.deepEqual(new Set(before[0]!.map((r) => (r.ingested_at as Date).toISOString())), new Set([new Date(plan.plannedAt).toISOString()]));

    // The attempt crashed after its Parquet files, before its done file: the next one redoes it.
    rmSync(layout.doneFile(topic(), 0));
    await new Promise((r) => setTimeout(r, 20)); // so a clock-based ingested_at would differ
    const again = await ingestBatch(0, {});
    assert.deepEqual(again, result);
    assert.deepEqual(await Promise.all(files.map(rows)), before);
  });

  it('landing a batch removes the files of batches far behind it, and only those', async () => {
    const next = INGEST_FILES_KEPT + 5;
    const done = JSON.parse(readFileSync(layout.doneFile(topic(), 0), 'utf8')) as Record<string, unknown>;
    for (let seq = 1; seq < next; seq += 1) {
      writeFileSync(layout.doneFile(topic(), seq), JSON.stringify({ ...done, seq, batchId: batchId(topic(), seq), ranges: [] }));
    }
    await produceMessages(k.kafka, topic(), events(5, 20));
    const result = await ingestBatch(next, first);
    assert.ok(result.kind === 'batch' && result.messages === 5);
    for (let seq = 0; seq <= 5; seq += 1) assert.ok(!existsSync(layout.doneFile(topic(), seq)), `done file #${seq} pruned`);
    assert.ok(!existsSync(layout.planFile(topic(), 0)), 'plan file #0 pruned');
    assert.ok(existsSync(layout.doneFile(topic(), 6)) && existsSync(layout.doneFile(topic(), next)) && existsSync(layout.planFile(topic(), next)));
    assert.equal(readdirSync(layout.ingestDir(topic())).length, INGEST_FILES_KEPT + 1);
    const recovered = await k.ingest.recoverIngestPosition({ topic: topic() });
    assert.deepEqual(recovered, { nextSeq: next + 1, nextOffsets: result.nextOffsets, dispatchedSeq: next - 1 });
    afterPrune = { seq: next + 1, offsets: result.nextOffsets };
  });

  it('a batch read but not landed in MAX_LANDINGS attempts is failed for good, and lands once the cause is gone', async () => {
    await produceMessages(k.kafka, topic(), events(4, 25));
    const input = { settings: k.settings, seq: afterPrune.seq, nextOffsets: afterPrune.offsets, stopAt: null };
    // The lake's database fails (as when it runs out of memory) after the messages were read.
    const broken = createIngestActivities({
      config: k.t.config,
      kafka: k.kafka,
      offsets: k.offsets,
      streams: k.streams,
      db: { connect: () => Promise.reject(new Error('Out of Memory Error: could not allocate block')) } as unknown as DuckDBInstance,
      temporal: {} as Client,
      lakeId: await lakeIdentity(k.t.config.lakeDir),
    });
    const attempt = (failedLandings?: number) => {
      const env = new MockActivityEnvironment({
        startToCloseTimeoutMs: 5 * 60_000,
        heartbeatDetails: failedLandings === undefined ? undefined : { failedLandings },
      });
      const beats: unknown[] = [];
      env.on('heartbeat', (d: unknown) => beats.push(d));
      return { env, beats };
    };
    const first = attempt();
    await assert.rejects(first.env.run(broken.ingestBatch, input), /Out of Memory/);
    // The next attempt learns of the failed landing from the last heartbeat.
    assert.equal((first.beats.at(-1) as { failedLandings?: number }).failedLandings, 1);
    const last = attempt(MAX_LANDINGS);
    await assert.rejects(
      last.env.run(broken.ingestBatch, input),
      (e: unknown) =>
        e instanceof ApplicationFailure && e.type === ErrorType.IngestBatchFailed && e.nonRetryable && /offsets 25\.\.28/.test(e.message),
    );
    // Restarted after the fix (a new activity, so no count carried): the same plan lands.
    const landed: IngestBatchResult = await attempt(MAX_LANDINGS - 1).env.run(k.ingest.ingestBatch, input);
    assert.ok(landed.kind === 'batch' && landed.messages === 4);
    afterRecovery = { seq: afterPrune.seq + 1, offsets: landed.nextOffsets };
  });

  // A client's run then reads the few groups of its own slice: the rest of the batch's values
  // are skipped by the groups' statistics instead of being decompressed by every client's run.
  it("writes each client's slice of the raw file in the few row groups it spans", async () => {
    // Interleaved, as clients share a topic.
    const messages = Array.from({ length: CLIENTS.length * PER_CLIENT }, (_, i) => {
      const client = CLIENTS[i % CLIENTS.length]!;
      return { key: client, value: Buffer.from(JSON.stringify({ client_id: client, timestamp: '2026-11-20T10:00:00Z', seq: i })) };
    });
    await produceMessages(k.kafka, topic(), messages);
    const result = await ingestBatch(afterRecovery.seq, afterRecovery.offsets);
    assert.ok(result.kind === 'batch' && result.messages === messages.length);

    const file = layout.rawFile(topic(), batchId(topic(), afterRecovery.seq));
    const rawValues = new Map((await rows(file)).map((r) => [r.offset as bigint, r.value as string]));
    const groups = await withConnection(k.db, async (conn) =>
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

    // Each client's records, as routed, are left for this worker's client runs, for the raw file as written.
    const identity = (await fileIdentity(file)) ?? 'missing';
    for (const client of CLIENTS) {
      const slice = handoff.take(file, identity, client);
      const sequences = slice?.map((r) => (r.message as { seq: number }).seq) ?? [];
      assert.deepEqual(
        sequences,
        messages.flatMap((m, i) => (m.key === client ? [i] : [])),
        client,
      );
      assert.ok(slice?.every((r) => r.value === String(rawValues.get(r.offset))));
    }
    assert.ok(!handoff.heldBatches.includes(file), 'every slice of the batch was taken');
  });
});
