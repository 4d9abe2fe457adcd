import { randomUUID } from 'node:crypto';
import { createKafka } from './lib/kafka';
import { readRanges } from './lib/kafka-range-reader';
import { ensureTopic, produceMessages } from './lib/produce';
(async () => {
  const kafka = createKafka({ brokers: ['127.0.0.1:9092'], clientId: 't' });
  const topic = 'timing-' + randomUUID().slice(0, 6);
  await ensureTopic(kafka, topic, 3);
  await produceMessages(kafka, topic, Array.from({ length: 3000 }, (_, i) => ({ key: String(i % 7), value: Buffer.from('{"a":1}') })));
  const admin = kafka.admin(); await admin.connect();
  console.log(await admin.fetchTopicOffsets(topic));
  for (const until of ['100', '300']) {
    const t0 = Date.now();
    const m = await readRanges(kafka, topic, [0, 1, 2].map((p) => ({ partition: p, from: '0', until })), () => {});
    console.log('read', m.length, Date.now() - t0, 'ms');
  }
  await admin.deleteTopics({ topics: [topic] }); await admin.disconnect();
})();
