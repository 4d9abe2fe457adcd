import { loadConfig } from '../../config/load';
import { generateDemo } from '../../domain/demo';
import { createKafka } from '../../adapters/kafka/kafka';
import { ensureTopic, produceMessages } from '../../adapters/kafka/produce';
import { defineCommand, positiveInt, UsageError } from '../cli';

export const produceCommand = defineCommand({
  name: 'produce',
  usage: 'produce --demo [--count N] [--clients K] [--seed S]',
  summary: 'Publishes realistic sample traffic to the topic: events of K clients, with bad records of every kind (about 12%).',
  options: { demo: { type: 'boolean' }, count: { type: 'string' }, clients: { type: 'string' }, seed: { type: 'string' } },
  optionHelp: { demo: 'generate demo traffic (required)', count: 'messages to send (default 1000)', clients: 'number of clients (default 3)', seed: 'random seed (default: time-based)' },
  async run({ values }) {
    if (!values.demo) throw new UsageError('only --demo traffic is supported');
    const count = positiveInt(values.count, 'count', 1000);
    const clients = positiveInt(values.clients, 'clients', 3);
    const seed = positiveInt(values.seed, 'seed', Date.now() % 1_000_000);
    const config = loadConfig();
    const kafka = createKafka(config.kafka);
    const messages = generateDemo({ count, clients, seed, startMs: Date.now() - 6 * 3600_000 });
    await ensureTopic(kafka, config.target.topic);
    await produceMessages(kafka, config.target.topic, messages);
    const bad = messages.filter((m) => m.truth.dropAt !== null).length;
    process.stdout.write(`sent ${count} messages (${bad} with defects) for ${clients} clients to ${config.target.topic}\n`);
  },
});
