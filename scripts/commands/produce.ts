import type { Command } from 'commander';
import { generateDemo } from '../../domain/demo';
import { createKafka } from '../../adapters/kafka/kafka';
import { ensureTopic, produceMessages } from '../../adapters/kafka/produce';
import { action, positiveInt, UsageError } from '../cli';

interface ProduceOptions {
  demo?: boolean;
  count: number;
  clients: number;
  seed?: number;
}

export function registerProduce(program: Command): void {
  program
    .command('produce')
    .summary('Publishes realistic sample traffic to the topic')
    .description('Publishes realistic sample traffic to the topic: events of K clients, with bad records of every kind (about 12%).')
    .option('--demo', 'generate demo traffic (required)')
    .option('--count <n>', 'messages to send', positiveInt, 1000)
    .option('--clients <k>', 'number of clients', positiveInt, 3)
    .option('--seed <s>', 'random seed (default: time-based)', positiveInt)
    .action(
      action<ProduceOptions>(async (config, options) => {
        if (!options.demo) throw new UsageError('only --demo traffic is supported');
        const { count, clients } = options;
        const seed = options.seed ?? Date.now() % 1_000_000;
        const kafka = createKafka(config.kafka);
        const messages = generateDemo({ count, clients, seed, startMs: Date.now() - 6 * 3600_000 });
        await ensureTopic(kafka, config.target.topic);
        await produceMessages(kafka, config.target.topic, messages);
        const bad = messages.filter((m) => m.truth.dropAt !== null).length;
        process.stdout.write(`sent ${count} messages (${bad} with defects) for ${clients} clients to ${config.target.topic}\n`);
      }),
    );
}
