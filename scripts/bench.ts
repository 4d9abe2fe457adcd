/**
 * `npm run bench`: end-to-end throughput on the local stack. Produces demo messages to a fresh
 * topic, runs one worker in this process, and times until the pipeline has drained. Prints the
 * machine, the figures, and where activity time went (from Temporal history).
 *   --count N (default 20000)  --clients K (default 3)  --batch M (default 5000)
 */
import os from 'node:os';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { startPipeline } from '../adapters/temporal/control';
import { demoClientIds, generateDemo } from '../domain/demo';
import { produceMessages } from '../adapters/kafka/produce';
import { clientWorkflowId, ingestWorkflowId } from '../contract/ids';
import { runHistories, startHarness, waitFor } from './sandbox';

/** Scheduled-to-completed time of every completed activity, by activity type. */
async function activityTimes(temporal: Client, workflowIds: string[]): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>();
  for (const id of workflowIds) {
    for await (const history of runHistories(temporal, id)) {
      const scheduled = new Map<string, { type: string; at: number }>();
      for (const e of history.events ?? []) {
        const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
        if (e.activityTaskScheduledEventAttributes) {
          scheduled.set(String(e.eventId), { type: e.activityTaskScheduledEventAttributes.activityType?.name ?? '?', at });
        }
        const done = e.activityTaskCompletedEventAttributes;
        if (done) {
          const s = scheduled.get(String(done.scheduledEventId));
          if (s) times.set(s.type, [...(times.get(s.type) ?? []), at - s.at]);
        }
      }
    }
  }
  return times;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string' }, clients: { type: 'string' }, batch: { type: 'string' } } });
  const count = Number(values.count ?? 20_000);
  const clientCount = Number(values.clients ?? 3);
  const batch = Number(values.batch ?? 5000);
  const clients = demoClientIds(clientCount);
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  console.log(`run: ${count} messages, ${clientCount} clients, batches of up to ${batch}`);
  const h = await startHarness(
    'bench',
    { PIPELINE_KNOWN_CLIENTS: clients.join(','), PIPELINE_BATCH_MAX_MESSAGES: String(batch), PIPELINE_BATCH_MAX_WAIT_MS: '500' },
    { partitions: 3 },
  );
  const { config } = h.t;
  try {
    let t = Date.now();
    await produceMessages(h.kafka, config.target.topic, generateDemo({ count, clients: clientCount, seed: 7 }));
    console.log(`produce: ${((Date.now() - t) / 1000).toFixed(1)} s (${Math.round(count / ((Date.now() - t) / 1000))} msg/s)`);

    t = Date.now();
    await startPipeline(config, h.temporal);
    await waitFor(
      'the pipeline to drain',
      async () => {
        const s = await h.status();
        return s.drained && s.clients.length === clientCount;
      },
      60 * 60_000,
      100,
    );
    const seconds = (Date.now() - t) / 1000;
    const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
    console.log(
      `pipeline: ${count} messages through raw, bronze, silver and gold in ${seconds.toFixed(1)} s = ${Math.round(count / seconds)} msg/s (worker RSS ${rss} MiB)`,
    );
    const prefix = config.temporal.workflowIdPrefix;
    const times = await activityTimes(h.temporal, [
      ingestWorkflowId(prefix, config.target.topic),
      ...clients.map((c) => clientWorkflowId(prefix, c)),
    ]);
    for (const [type, ms] of [...times].sort()) {
      const total = ms.reduce((a, b) => a + b, 0);
      console.log(`  ${type.padEnd(22)} ${String(ms.length).padStart(4)} runs, mean ${Math.round(total / ms.length)} ms, max ${Math.max(...ms)} ms`);
    }
  } finally {
    await h.close();
  }
}

main().catch((e: unknown) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
