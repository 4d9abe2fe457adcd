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

export async function produceMessages(
  kafka: Kafka,
  topic: string,
  messages: readonly { key: string | null; value: Buffer }[],
  options: { chunk?: number; onProgress?: (sent: number) => void } = {},
): Promise<void> {
  // Idempotent: a retried send never writes a message twice.
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    const chunk = options.chunk ?? 1000;
    for (let i = 0; i < messages.length; i += chunk) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + chunk).map((m) => ({ key: m.key, value: m.value })) });
      options.onProgress?.(Math.min(i + chunk, messages.length));
    }
  } finally {
    await producer.disconnect();
  }
}
