/**
 * Reads exact offset ranges from Kafka. kafkajs has no `assign()`, so a throw-away consumer in a
 * group of its own subscribes from the beginning and seeks each partition to its range. Anything
 * delivered before a seek lands has a lower offset and is skipped; offsets only grow from there,
 * so every message of a range is read once, in order.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { PartitionRange } from '../../domain/batch-plan';
import type { RawMessage } from '../../domain/router';

export async function readRanges(
  kafka: Kafka,
  topic: string,
  ranges: readonly PartitionRange[],
  onProgress: (read: number) => void,
  cancelled?: AbortSignal,
): Promise<RawMessage[]> {
  if (ranges.length === 0) return [];
  cancelled?.throwIfAborted();
  const wanted = new Map(ranges.map((r) => [r.partition, { next: BigInt(r.from), until: BigInt(r.until) }]));
  const messages: RawMessage[] = [];
  const consumer = kafka.consumer({
    groupId: `medallion-range-reader-${randomUUID()}`,
    sessionTimeout: 15_000,
    heartbeatInterval: 1_000,
    maxWaitTimeInMs: 100,
    maxBytesPerPartition: 8 * 1024 * 1024,
  });
  let finish!: () => void;
  let fail!: (e: unknown) => void;
  const finished = new Promise<void>((resolve, reject) => {
    finish = resolve;
    fail = reject;
  });
  const remaining = new Set(wanted.keys());
  consumer.on(consumer.events.CRASH, (event) => fail(event.payload.error));
  const onCancel = () => fail(cancelled?.reason ?? new Error('range read cancelled'));
  cancelled?.addEventListener('abort', onCancel, { once: true });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = wanted.get(batch.partition);
        if (!range || range.next >= range.until) {
          consumer.pause([{ topic, partitions: [batch.partition] }]); // nothing wanted from it
          return;
        }
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          if (offset >= range.until) {
            // Anything at or past the end (after a gap such as a transaction marker) ends the range.
            range.next = range.until;
            break;
          }
          if (offset < range.next) continue;
          messages.push({ partition: batch.partition, offset: m.offset, key: m.key ?? null, value: m.value ?? null, timestamp: m.timestamp });
          range.next = offset + 1n;
        }
        onProgress(messages.length);
        if (range.next >= range.until) {
          consumer.pause([{ topic, partitions: [batch.partition] }]);
          remaining.delete(batch.partition);
          if (remaining.size === 0) finish();
        }
      },
    });
    for (const r of ranges) consumer.seek({ topic, partition: r.partition, offset: r.from });
    await finished;
  } finally {
    cancelled?.removeEventListener('abort', onCancel);
    await consumer.disconnect().catch(() => undefined);
  }
  return messages;
}
