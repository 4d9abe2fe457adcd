/**
 * The ingest's topic reader on the real broker: batches read by two workers in turn (each seeking
 * to where the plan says, whatever it read ahead), a retry that re-reads an earlier plan, a
 * restarted reader, and a value over the size limit kept only as its size, hash and first bytes.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../adapters/kafka/kafka';
import { ensureTopic, produceMessages } from '../../adapters/kafka/produce';
import { TopicStreams } from '../../adapters/kafka/topic-stream';
import type { PartitionRange } from '../../domain/batch-plan';
import type { RawMessage } from '../../domain/router';
import { deleteTopic, isolatedEnv, requireServices } from '../helpers';
import type { TestEnv } from '../helpers';

const LIMITS = { maxMessageBytes: 2048, headBytes: 64, readAheadBytes: 4096 };
const range = (from: number, until: number): PartitionRange[] => [{ partition: 0, from: String(from), until: String(until) }];
const seqs = (messages: RawMessage[]) => messages.map((m) => (JSON.parse(String(m.value)) as { seq: number }).seq);
const upTo = (n: number, from = 0) => Array.from({ length: n - from }, (_, i) => from + i);

describe('topic reader on Kafka', () => {
  let t: TestEnv;
  let kafka: Kafka;
  let workerA: TopicStreams;
  let workerB: TopicStreams;
  const topic = () => t.config.target.topic;
  const read = (worker: TopicStreams, from: number, until: number) => worker.of(topic()).read(range(from, until), () => undefined);

  before(async () => {
    t = isolatedEnv('topic-stream');
    await requireServices(t.config);
    kafka = createKafka(t.config.kafka);
    await ensureTopic(kafka, topic(), 1);
    // 100-byte values: the 4 KiB read-ahead budget holds about 40, so reads also wait for fetches.
    const pad = 'x'.repeat(80);
    await produceMessages(
      kafka,
      topic(),
      upTo(300).map((seq) => ({ key: null, value: Buffer.from(JSON.stringify({ seq, pad })) })),
    );
    workerA = new TopicStreams(kafka, LIMITS);
    workerB = new TopicStreams(kafka, LIMITS);
  });
  after(async () => {
    await workerA.close();
    await workerB.close();
    await deleteTopic(kafka, topic());
    t.cleanupLake();
  });

  it('reads exactly the planned ranges when two workers take batches in turn', async () => {
    assert.deepEqual(seqs(await read(workerA, 0, 50)), upTo(50));
    assert.deepEqual(seqs(await read(workerB, 50, 120)), upTo(120, 50));
    // A read ahead past 50 meanwhile; the next batch it takes starts at 120.
    assert.deepEqual(seqs(await read(workerA, 120, 200)), upTo(200, 120));
    assert.deepEqual(seqs(await read(workerB, 200, 210)), upTo(210, 200));
  });

  it('re-reads an earlier plan (a retry), then goes on where the next plan says', async () => {
    assert.deepEqual(seqs(await read(workerA, 10, 30)), upTo(30, 10));
    assert.deepEqual(seqs(await read(workerA, 210, 260)), upTo(260, 210));
  });

  it('reads ahead what planning needs, and a restarted reader starts where it is told', async () => {
    await workerA.close();
    workerA = new TopicStreams(kafka, LIMITS);
    const ahead = await workerA
      .of(topic())
      .readAhead(new Map([[0, 260n]]), (a) => (a.get(0)?.messages.length ?? 0) >= 20, { until: Date.now() + 60_000, atMost: Date.now() + 60_000 });
    const first = ahead.get(0)!;
    assert.equal(first.from, 260n);
    assert.ok(first.messages.length >= 20);
    assert.deepEqual(
      first.messages.slice(0, 20).map((m) => m.offset),
      upTo(280, 260).map(BigInt),
    );
    assert.deepEqual(seqs(await read(workerA, 260, 300)), upTo(300, 260));
  });

  it('closes a read-ahead that has messages at `until`, while nothing more comes', async () => {
    // The topic's last message, read ahead first: after it, no delivery wakes the reader.
    const reader = workerB.of(topic());
    await reader.readAhead(new Map([[0, 299n]]), (a) => (a.get(0)?.messages.length ?? 0) > 0, {
      until: Date.now() + 60_000,
      atMost: Date.now() + 60_000,
    });
    const started = Date.now();
    const ahead = await reader.readAhead(new Map([[0, 299n]]), () => false, { until: started + 50, atMost: started + 60_000 });
    const waited = Date.now() - started;
    assert.deepEqual(
      ahead.get(0)?.messages.map((m) => m.offset),
      [299n],
    );
    // It used to sleep until its next check a second later; the margin is for a busy machine.
    assert.ok(waited < 700, `closed ${waited} ms after it started`);
  });

  it('with quietMs, goes on past `until` while messages come and ends once they stop', async () => {
    const started = Date.now();
    const ahead = await workerA
      .of(topic())
      .readAhead(new Map([[0, 280n]]), () => false, { until: started + 10, atMost: started + 60_000, quietMs: 300 });
    const waited = Date.now() - started;
    assert.deepEqual(
      ahead.get(0)?.messages.map((m) => m.offset),
      upTo(300, 280).map(BigInt),
    );
    // Not at `until` (10 ms), not at `atMost` (a minute): 300 ms after the last message came.
    assert.ok(waited >= 300 && waited < 10_000, `closed ${waited} ms after it started`);
  });

  it('keeps a value over the limit only as its size, hash and first bytes', async () => {
    const big = Buffer.from(JSON.stringify({ client_id: 'acme', data: 'y'.repeat(5000) }));
    await produceMessages(kafka, topic(), [{ key: 'big', value: big }]);
    const [m] = await read(workerB, 300, 301);
    assert.equal(m?.value, null);
    assert.deepEqual(m?.oversized, { bytes: big.length, sha256: createHash('sha256').update(big).digest('hex'), head: big.subarray(0, 64) });
    assert.equal(m?.key?.toString(), 'big');
  });
});
