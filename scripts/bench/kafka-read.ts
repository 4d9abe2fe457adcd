/**
 * The yardstick: how fast a plain kafkajs consumer reads a topic and JSON-parses every message,
 * group join included. The pipeline can be no faster than the client library it reads with.
 */
import { randomBytes } from 'node:crypto';
import type { Kafka } from 'kafkajs';

export interface ReadRate {
  messages: number;
  /** Messages whose value is not JSON (the demo's malformed ones). */
  unparsable: number;
  seconds: number;
  perSecond: number;
}

export async function kafkajsReadRate(kafka: Kafka, topic: string, expected: number): Promise<ReadRate> {
  const groupId = `${topic}-bench-read-${randomBytes(3).toString('hex')}`;
  const consumer = kafka.consumer({ groupId });
  const started = Date.now();
  let messages = 0;
  let unparsable = 0;
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachBatch: ({ batch }) => {
            for (const m of batch.messages) {
              try {
                JSON.parse(m.value?.toString('utf8') ?? '');
              } catch {
                unparsable += 1;
              }
              messages += 1;
            }
            if (messages >= expected) resolve();
            return Promise.resolve();
          },
        })
        .catch(reject);
    });
    const seconds = (Date.now() - started) / 1000;
    return { messages, unparsable, seconds, perSecond: Math.round(messages / seconds) };
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteGroups([groupId]).catch(() => undefined);
    await admin.disconnect();
  }
}
