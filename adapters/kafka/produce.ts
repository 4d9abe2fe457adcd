/** Publishing messages to the shared topic (demo traffic, tests, benchmarks). */
import { Partitioners } from 'kafkajs';
import type { Kafka } from 'kafkajs';

export async function ensureTopic(kafka: Kafka, topic: string, partitions = 3): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = await admin.listTopics();
    if (!existing.includes(topic)) {
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
    }
  } finally {
    await admin.disconnect();
  }
}

type OutgoingMessage = { key: string | null; value: Buffer };

/** A connected producer for many sends: connecting costs more than a small send. */
export interface OpenProducer {
  send(messages: readonly OutgoingMessage[], options?: { chunk?: number; onProgress?: (sent: number) => void }): Promise<void>;
  close(): Promise<void>;
}

export async function openProducer(kafka: Kafka, topic: string): Promise<OpenProducer> {
  // Idempotent: a retried send never writes a message twice.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  return {
    async send(messages, options = {}) {
      const chunk = options.chunk ?? 1000;
      for (let i = 0; i < messages.length; i += chunk) {
        await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk).map((m) => ({ key: m.key, value: m.value })) });
        options.onProgress?.(Math.min(i + chunk, messages.length));
      }
    },
    close: () => producer.disconnect(),
  };
}

export async function produceMessages(
  kafka: Kafka,
  topic: string,
  messages: readonly OutgoingMessage[],
  options: { chunk?: number; onProgress?: (sent: number) => void } = {},
): Promise<void> {
  const producer = await openProducer(kafka, topic);
  try {
    await producer.send(messages, options);
  } finally {
    await producer.close();
  }
}
