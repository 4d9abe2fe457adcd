/**
 * `npm run bench`: end-to-end throughput on the local stack. Produces demo messages to a fresh
 * topic, runs one worker in this process, and times until the pipeline has drained. Prints the
 * machine, the figures, and where activity time went (from Temporal history).
 *   --count N (default 20000)  --clients K (default 3)  --batch M (default 5000)
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../config/load';
import { pipelineStatus, startPipeline } from '../adapters/temporal/control';
import { demoClientIds, generateDemo } from '../domain/demo';
import { createKafka, TopicOffsets } from '../adapters/kafka/kafka';
import { ensureTopic, produceMessages } from '../adapters/kafka/produce';
import { connectClient } from '../adapters/temporal/client';
import { clientWorkflowId, ingestWorkflowId } from '../contract/ids';
import { startWorker } from '../workers/worker';

async function activityTimes(temporal: Awaited<ReturnType<typeof connectClient>>, workflowIds: string[]): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>();
  for (const id of workflowIds) {
    for await (const run of temporal.workflow.list({ query: `WorkflowId = '${id}'` })) {
      const events = (await temporal.workflow.getHandle(id, run.runId).fetchHistory()).events ?? [];
      const scheduled = new Map<string, { type: string; at: number }>();
      for (const e of events) {
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
  const id = `bench-${randomBytes(3).toString('hex')}`;
  const lakeRoot = mkdtempSync(path.join(os.tmpdir(), 'lake-bench-'));
  const clients = demoClientIds(clientCount);
  const config = loadConfig({
    file: DEFAULT_CONFIG_FILE,
    env: {
      ...process.env,
      PIPELINE_TOPIC: id,
      PIPELINE_WORKFLOW_ID_PREFIX: id,
      PIPELINE_TASK_QUEUE: id,
      PIPELINE_LAKE_ROOT: lakeRoot,
      PIPELINE_KNOWN_CLIENTS: clients.join(','),
      PIPELINE_BATCH_MAX_MESSAGES: String(batch),
      PIPELINE_BATCH_MAX_WAIT_MS: '500',
    },
  });
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? 'cpu'}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  console.log(`run: ${count} messages, ${clientCount} clients, batches of up to ${batch}`);
  const kafka = createKafka(config.kafka);
  const offsets = new TopicOffsets(kafka);
  const temporal = await connectClient(config);
  const messages = generateDemo({ count, clients: clientCount, seed: 7 });
  await ensureTopic(kafka, config.target.topic, 3);
  let t = Date.now();
  await produceMessages(kafka, config.target.topic, messages);
  console.log(`produce: ${((Date.now() - t) / 1000).toFixed(1)} s (${Math.round(count / ((Date.now() - t) / 1000))} msg/s)`);

  const worker = await startWorker(config);
  try {
    t = Date.now();
    await startPipeline(config, temporal);
    for (;;) {
      const s = await pipelineStatus(config, temporal, offsets);
      if (s.drained && s.clients.length === clientCount) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const seconds = (Date.now() - t) / 1000;
    const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
    console.log(`pipeline: ${count} messages through raw, bronze, silver and gold in ${seconds.toFixed(1)} s = ${Math.round(count / seconds)} msg/s (worker RSS ${rss} MiB)`);
    const times = await activityTimes(temporal, [ingestWorkflowId(id, config.target.topic), ...clients.map((c) => clientWorkflowId(id, c))]);
    for (const [type, ms] of [...times].sort()) {
      const total = ms.reduce((a, b) => a + b, 0);
      console.log(`  ${type.padEnd(16)} ${String(ms.length).padStart(4)} runs, mean ${Math.round(total / ms.length)} ms, max ${Math.max(...ms)} ms`);
    }
  } finally {
    for (const wfId of [ingestWorkflowId(id, config.target.topic), ...clients.map((c) => clientWorkflowId(id, c))]) {
      await temporal.workflow.getHandle(wfId).terminate('benchmark finished').catch(() => undefined);
    }
    worker.shutdown();
    await worker.done;
    await offsets.close();
    await temporal.connection.close();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [config.target.topic] }).catch(() => undefined);
    await admin.disconnect();
    rmSync(lakeRoot, { recursive: true, force: true });
  }
}

main().catch((e: unknown) => {
  console.error(`bench: ${(e as Error).message}`);
  process.exit(1);
});
