/**
 * ingestBatch under a backlog, on the real broker: while the topic holds a full batch's count of
 * messages, each batch is read full, however short maxWaitMs is (reading them takes several
 * fetches); the rest of the backlog makes a last, smaller batch closed after maxWaitMs. A
 * pipeline of many clients reads larger batches, in proportion to its clients.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { produceMessages } from '../../adapters/kafka/produce';
import { CLIENTS_PER_FULL_BATCH } from '../../domain/batch-plan';
import type { PartitionOffsets } from '../../contract/types';
import { ingestOnKafka } from './ingest-kafka.helpers';
import type { IngestOnKafka } from './ingest-kafka.helpers';

const BATCH = 6_000;
const MESSAGES = 2 * BATCH + 1_500;
// About 2 KB each: one fetch (4 MiB per partition) brings some 2,000, a third of a batch, and a
// batch (12 MB) stays well under the default byte budget, so only the count can fill it.
const pad = 'x'.repeat(2_000);

/** Batch sizes of the ingest's batches until it has read `total` messages. */
async function batchSizes(k: IngestOnKafka, total: number): Promise<number[]> {
  const sizes: number[] = [];
  let next: PartitionOffsets = {};
  for (let seq = 0; sizes.reduce((n, s) => n + s, 0) < total; seq += 1) {
    const result = await k.ingestBatch(seq, next);
    assert.equal(result.kind, 'batch');
    if (result.kind !== 'batch') break;
    sizes.push(result.messages);
    next = result.nextOffsets;
  }
  return sizes;
}

describe('ingestBatch under a backlog', () => {
  let k: IngestOnKafka;

  before(async () => {
    k = await ingestOnKafka('ingest-backlog', {
      PIPELINE_KNOWN_CLIENTS: 'acme',
      PIPELINE_BATCH_MAX_MESSAGES: String(BATCH),
      PIPELINE_BATCH_MAX_WAIT_MS: '10',
    });
    const value = (seq: number) => Buffer.from(JSON.stringify({ client_id: 'acme', timestamp: '2026-11-20T10:00:00Z', seq, pad }));
    // In requests under the broker's 1 MB limit.
    for (let from = 0; from < MESSAGES; from += 250) {
      const seqs = Array.from({ length: Math.min(250, MESSAGES - from) }, (_, i) => from + i);
      await produceMessages(
        k.kafka,
        k.topic,
        seqs.map((seq) => ({ key: 'acme', value: value(seq) })),
      );
    }
  });
  after(() => k.close());

  it('reads each batch full while the topic holds one, then closes the rest after maxWaitMs', async () => {
    assert.deepEqual(await batchSizes(k, MESSAGES), [BATCH, BATCH, MESSAGES - 2 * BATCH]);
  });
});

describe('ingestBatch under a backlog, for many clients', () => {
  const SMALL_BATCH = 600;
  // 2.4 times as many clients as a batch of maxMessages is sized for: batches 2.4 times larger.
  const clients = Array.from({ length: (CLIENTS_PER_FULL_BATCH * 12) / 5 }, (_, i) => `c${String(i).padStart(3, '0')}`);
  const GROWN = (SMALL_BATCH * 12) / 5;
  const TOTAL = 2 * GROWN + 120;
  let k: IngestOnKafka;

  before(async () => {
    k = await ingestOnKafka('ingest-backlog-clients', {
      PIPELINE_KNOWN_CLIENTS: clients.join(','),
      PIPELINE_BATCH_MAX_MESSAGES: String(SMALL_BATCH),
      PIPELINE_BATCH_MAX_WAIT_MS: '10',
    });
    const messages = Array.from({ length: TOTAL }, (_, seq) => {
      const client = clients[seq % clients.length]!;
      return { key: client, value: Buffer.from(JSON.stringify({ client_id: client, timestamp: '2026-11-20T10:00:00Z', seq })) };
    });
    await produceMessages(k.kafka, k.topic, messages);
  });
  after(() => k.close());

  it('reads batches grown with the clients while the topic holds one, then the rest', async () => {
    assert.deepEqual(await batchSizes(k, TOTAL), [GROWN, GROWN, TOTAL - 2 * GROWN]);
  });
});
