/**
 * ingestBatch on the real broker while the worker's clients are busy (its one client slot
 * taken): a batch that maxWaitMs would close stays open and takes what arrives meanwhile, until
 * the slot comes free or maxHoldMs has passed. With the slot free it closes after maxWaitMs as
 * before.
 */
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, describe, it } from 'node:test';
import { ClientQueueLoad } from '../../activities/client-load';
import { produceMessages } from '../../adapters/kafka/produce';
import type { IngestBatchResult } from '../../contract/types';
import { ingestOnKafka } from './ingest-kafka.helpers';
import type { IngestOnKafka } from './ingest-kafka.helpers';

const MAX_WAIT_MS = 200;
const MAX_HOLD_MS = 2_000;

/** An ingest whose worker has one slot for client activities. */
async function ingestWithOneSlot(name: string): Promise<{ k: IngestOnKafka; load: ClientQueueLoad }> {
  const load = new ClientQueueLoad(1);
  const k = await ingestOnKafka(
    name,
    { PIPELINE_KNOWN_CLIENTS: 'acme', PIPELINE_BATCH_MAX_WAIT_MS: String(MAX_WAIT_MS), PIPELINE_BATCH_MAX_HOLD_MS: String(MAX_HOLD_MS) },
    undefined,
    load,
  );
  return { k, load };
}

async function produce(k: IngestOnKafka, count: number): Promise<void> {
  const value = Buffer.from(JSON.stringify({ client_id: 'acme', timestamp: '2026-11-20T10:00:00Z' }));
  await produceMessages(
    k.kafka,
    k.topic,
    Array.from({ length: count }, () => ({ key: 'acme', value })),
  );
}

/** A client activity that holds the one slot until `free` is called. */
function busySlot(load: ClientQueueLoad): { free: () => void; done: Promise<void> } {
  let free!: () => void;
  const done = load.track(() => new Promise<void>((r) => (free = r)));
  return { free, done };
}

const messagesOf = (result: IngestBatchResult): number => (result.kind === 'batch' ? result.messages : 0);

describe('ingestBatch while the clients are busy', () => {
  const opened: IngestOnKafka[] = [];
  after(() => Promise.all(opened.map((k) => k.close())));

  it('holds the batch open for what arrives until the slot comes free', async () => {
    const { k, load } = await ingestWithOneSlot('ingest-hold');
    opened.push(k);
    await produce(k, 10);
    const slot = busySlot(load);
    const batch = k.ingestBatch(0, {});
    await sleep(4 * MAX_WAIT_MS);
    await produce(k, 5); // past maxWaitMs, while the slot is taken
    await sleep(MAX_WAIT_MS);
    slot.free();
    await slot.done;
    const result = await batch;
    assert.equal(messagesOf(result), 15);
    await produce(k, 3);
    assert.equal(messagesOf(await k.ingestBatch(1, result.kind === 'batch' ? result.nextOffsets : {})), 3);
  });

  it('closes the batch after maxHoldMs when the clients stay busy', async () => {
    const { k, load } = await ingestWithOneSlot('ingest-hold-cap');
    opened.push(k);
    await produce(k, 10);
    const slot = busySlot(load);
    try {
      const batch = k.ingestBatch(0, {});
      await sleep(4 * MAX_WAIT_MS);
      await produce(k, 5);
      // Returned with the slot still taken: only maxHoldMs closed it.
      const result = await batch;
      assert.equal(messagesOf(result), 15);
      assert.equal(load.busy(0), true);
    } finally {
      slot.free();
      await slot.done;
    }
  });

  it('closes the batch after maxWaitMs while the slot is free', async () => {
    const { k } = await ingestWithOneSlot('ingest-hold-free');
    opened.push(k);
    await produce(k, 10);
    const result = await k.ingestBatch(0, {});
    await produce(k, 5);
    assert.equal(messagesOf(result), 10);
    assert.equal(messagesOf(await k.ingestBatch(1, result.kind === 'batch' ? result.nextOffsets : {})), 5);
  });
});
