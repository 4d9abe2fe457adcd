/**
 * `npm start`: the whole product on this machine in one command. Brings the stack up
 * (installing it on first use), runs a worker, produces demo traffic, starts the workflows,
 * and keeps going until Ctrl-C; then it stops what it started.
 */
import { loadConfig } from '../config/load';
import { startPipeline } from '../adapters/temporal/start';
import { pipelineStatus } from '../adapters/temporal/status';
import { generateDemo } from '../domain/demo';
import { createKafka, TopicOffsets } from '../adapters/kafka/kafka';
import { ensureTopic, produceMessages } from '../adapters/kafka/produce';
import { connectClient } from '../adapters/temporal/client';
import { startWorker } from '../workers/worker';
import { stackSettings } from './stack/settings';
import { down, up } from './stack/stack';
import { onStopSignals } from './stop-signals';
import type { ServiceName } from './stack/stack';

const say = (line: string) => process.stdout.write(`${line}\n`);

async function main(): Promise<void> {
  const config = loadConfig();
  const settings = stackSettings(config);
  const started: ServiceName[] = await up(settings, (l) => say(`[stack] ${l}`));
  const stopped = new Promise<void>((resolve) => {
    onStopSignals({
      stop: () => {
        say('\nstopping... (Ctrl-C again to stop at once)');
        resolve();
      },
      force: () => {
        say('stopped at once: activities in flight run again on the next worker; `npx pipeline stack down` stops the services.');
        process.exit(130);
      },
    });
  });

  const kafka = createKafka(config.kafka);
  const offsets = new TopicOffsets(kafka);
  const temporal = await connectClient(config);
  const worker = await startWorker(config);
  try {
    await ensureTopic(kafka, config.target.topic);
    const clients = Math.max(config.clients.known.length, 1);
    let seed = Date.now() % 1_000_000;
    const produce = async (count: number) =>
      produceMessages(kafka, config.target.topic, generateDemo({ count, clients, seed: seed++, startMs: Date.now() - 6 * 3600_000 }));
    await produce(5000);
    const workflows = await startPipeline(config, temporal);

    say('');
    say(`workflows running (${workflows.length}): ingest of "${config.target.topic}" and clients ${config.clients.known.join(', ')}`);
    say(`  Temporal Web UI: ${config.temporal.uiUrl}/namespaces/${config.temporal.namespace}/workflows`);
    say(`  lake:            ${config.lakeDir}`);
    say('  query the tables in another terminal, for example:');
    say(`    npx pipeline status`);
    say(`    npx pipeline sql "select client_id, count(*) from kafka_raw_bronze group by client_id"`);
    say(`    npx pipeline sql "select * from gold_${config.clients.known[0] ?? 'acme'}_summary order by window_start desc limit 10"`);
    say(`    npx pipeline errors --since 1h`);
    say('  demo traffic continues (500 messages every 5 s); Ctrl-C stops everything this command started.');
    say('');

    const traffic = setInterval(() => void produce(500).catch((e: Error) => say(`produce failed: ${e.message}`)), 5000);
    const report = setInterval(() => {
      void pipelineStatus(config, temporal, offsets)
        .then((s) => {
          const clientsLine = s.clients.map((c) => `${c.clientId} ${c.totals.silver} silver/${c.totals.dropped} dropped`).join(', ');
          say(
            `[${new Date().toISOString().slice(11, 19)}] ingested ${s.ingest?.messages ?? 0} messages, lag ${s.ingest?.lag ?? '?'}; ${clientsLine}`,
          );
        })
        .catch(() => undefined);
    }, 10_000);
    await stopped;
    clearInterval(traffic);
    clearInterval(report);
  } finally {
    worker.shutdown();
    await worker.done;
    await offsets.close();
    await temporal.connection.close();
    if (started.length > 0) await down(settings, (l) => say(`[stack] ${l}`), started);
    say('stopped. Workflows resume where they were on the next `npm start`; the lake stays in place for `npx pipeline sql`.');
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`npm start: ${(e as Error).message}\n`);
  process.exit(1);
});
