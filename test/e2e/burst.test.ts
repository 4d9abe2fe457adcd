/**
 * A burst of large and hostile messages among the normal traffic of three clients, on the real
 * broker and Temporal dev server with a worker process of its own (whose memory is measured): 150 values one byte over
 * limits.maxMessageBytes (1 MiB), 150 exactly at it, and 10 JSON values nested 100,000 deep.
 * Every normal record lands exactly, each hostile message gives exactly one error row, the
 * clients keep flowing, and the worker's memory stays within what batch.maxBytes promises.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { ConfigResourceTypes } from 'kafkajs';
import type { Kafka } from 'kafkajs';
import type { TopicOffsets } from '../../adapters/kafka/kafka';
import { produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { startPipeline } from '../../adapters/temporal/start';
import { pipelineStatus } from '../../adapters/temporal/status';
import { INGEST_MEMORY_FACTOR } from '../../config/schema';
import { sampleRss } from '../../scripts/bench/rss';
import { isolatedEnv, openSandbox, startWorkerProcess, waitFor } from '../helpers';
import type { Sandbox, WorkerProcess } from '../helpers';
import { deepJson } from '../unit/hostile-values';

const CLIENTS = ['acme', 'globex', 'initech'];
const PER_CLIENT = 200;
const LARGE = 150;
const DEEP = 10;
const MiB = 1 << 20;

const event = (fields: Record<string, unknown>) =>
  JSON.stringify({ timestamp: '2026-11-20T10:00:00Z', event_type: 'purchase', status: 'active', ...fields });
/** A value of exactly `bytes` bytes: the event padded in its `data` field. */
function sized(bytes: number, fields: Record<string, unknown>): Buffer {
  const pad = bytes - Buffer.byteLength(event({ ...fields, data: '' }));
  return Buffer.from(event({ ...fields, data: 'x'.repeat(pad) }));
}
/** What a worker's ingest may add to its memory, by the configuration's own account. */
const budgetMiB = (maxBytes: number) => (INGEST_MEMORY_FACTOR * maxBytes) / MiB;

describe('a burst of 1 MiB and deeply nested messages among normal traffic (real Kafka, real Temporal)', () => {
  const t = isolatedEnv('burst', {
    PIPELINE_KNOWN_CLIENTS: CLIENTS.join(','),
    PIPELINE_BATCH_MAX_MESSAGES: '500',
    PIPELINE_BATCH_MAX_WAIT_MS: '300',
  });
  const { config } = t;
  const topic = config.target.topic;
  let sandbox: Sandbox | undefined;
  let temporal: Client;
  let kafka: Kafka;
  let offsets: TopicOffsets;
  let worker: WorkerProcess | null = null;
  const sql = (q: string) => querySql(config, q);
  const status = () => pipelineStatus(config, temporal, offsets);
  const over = Array.from({ length: LARGE / 2 }, (_, i) => sized(MiB + 1, { client_id: 'acme', amount: 1, n: i }));
  // At the limit: decoded like any value; without a client_id it breaks valid_client_id.
  const atLimit = Array.from({ length: LARGE / 2 }, (_, i) => sized(MiB, { n: i }));
  const normal = CLIENTS.flatMap((c) =>
    Array.from({ length: PER_CLIENT }, (_, i) => ({ key: c, value: Buffer.from(event({ client_id: c, amount: i })) })),
  );
  const total = normal.length + LARGE + DEEP;
  let rss = { startMiB: 0, peakMiB: 0 };

  before(async () => {
    sandbox = await openSandbox(t, 3);
    ({ temporal, kafka, offsets } = sandbox);
    // The broker's default refuses a record batch over about 1 MiB; this topic takes the burst.
    const admin = kafka.admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'max.message.bytes', value: String(4 * MiB) }] }],
    });
    await admin.disconnect();
    worker = startWorkerProcess(t.env);
    await worker.ready;
  });
  after(async () => {
    await worker?.stop();
    await sandbox?.close();
  });

  it('drains the burst with every client healthy and memory within budget', { timeout: 300_000 }, async () => {
    const sampler = sampleRss(worker!.child.pid!, 100);
    await startPipeline(config, temporal);
    // The burst arrives in the middle of the normal traffic: normal, burst, normal, in small sends.
    const half = normal.length / 2;
    await produceMessages(kafka, topic, normal.slice(0, half), { chunk: 100 });
    const burst = [
      ...over.map((value, i) => ({ key: `over-${i}`, value })),
      ...atLimit.map((value, i) => ({ key: `at-${i}`, value })),
      ...Array.from({ length: DEEP }, (_, i) => ({ key: `deep-${i}`, value: Buffer.from(deepJson(100_000)) })),
    ];
    for (let i = 0; i < burst.length; i += 3) await produceMessages(kafka, topic, burst.slice(i, i + 3));
    await produceMessages(kafka, topic, normal.slice(half), { chunk: 100 });
    const rawCount = async () => Number((await sql('SELECT count(*) AS n FROM kafka_raw_bronze'))[0]?.n);
    await waitFor('the pipeline to drain', async () => (await rawCount()) === total && (await status()).drained, 240_000, 1_000);
    rss = sampler.stop();
    console.log(
      `burst: worker RSS ${rss.startMiB} MiB at start, peak ${rss.peakMiB} MiB (+${rss.peakMiB - rss.startMiB} MiB; ` +
        `budget +${budgetMiB(config.batch.maxBytes)} MiB at batch.maxBytes ${config.batch.maxBytes})`,
    );
    const report = await status();
    assert.deepEqual(report.clients.map((c) => c.clientId).sort(), CLIENTS);
    for (const c of report.clients) {
      assert.equal(c.failed, 0, `${c.clientId} has failed batches: ${c.lastError}`);
      assert.equal(c.state, 'running');
    }
    const [failed] = await sql(`SELECT count(*) AS n FROM pipeline_errors WHERE layer NOT IN ('bronze', 'silver')`);
    assert.equal(Number(failed?.n), 0);
    assert.ok(rss.peakMiB - rss.startMiB <= budgetMiB(config.batch.maxBytes), `worker grew by ${rss.peakMiB - rss.startMiB} MiB`);
  });

  it('lands every normal record exactly', async () => {
    for (const c of CLIENTS) {
      const [r] = await sql(`SELECT count(*) AS n, count(DISTINCT ("partition", "offset")) AS d, sum(amount) AS s FROM silver_${c}`);
      assert.deepEqual([Number(r?.n), Number(r?.d), Number(r?.s)], [PER_CLIENT, PER_CLIENT, (PER_CLIENT * (PER_CLIENT - 1)) / 2], c);
    }
  });

  it('gives each hostile message exactly one error row; a value over the limit is never staged', async () => {
    const rows = await sql(`
      SELECT r.key, r.value IS NULL AS unstaged, r.value_bytes, to_json(e.rules)::VARCHAR AS rules, e.error_message, e.raw_value
      FROM kafka_raw_bronze r JOIN pipeline_errors e USING ("partition", "offset")
      ORDER BY r.key`);
    assert.equal(rows.length, LARGE + DEEP);
    const byKey = new Map(rows.map((r) => [String(r.key), r]));
    assert.equal(byKey.size, LARGE + DEEP, 'one row per message');
    over.forEach((value, i) => {
      const r = byKey.get(`over-${i}`);
      const sha = createHash('sha256').update(value).digest('hex');
      assert.deepEqual([r?.unstaged, Number(r?.value_bytes), r?.rules], [true, MiB + 1, '["malformed_json"]'], `over-${i}`);
      assert.equal(r?.error_message, `message is ${MiB + 1} bytes, over the ${MiB}-byte limit (sha256 ${sha})`);
      assert.ok(String(r?.raw_value).startsWith('{"timestamp":"2026-11-20T10:00:00Z"') && String(r?.raw_value).length < 4200);
    });
    atLimit.forEach((_, i) => {
      const r = byKey.get(`at-${i}`);
      assert.deepEqual([r?.unstaged, Number(r?.value_bytes), r?.rules], [false, MiB, '["valid_client_id"]'], `at-${i}`);
      assert.ok(String(r?.raw_value).length < 4200);
    });
    for (let i = 0; i < DEEP; i += 1) assert.equal(byKey.get(`deep-${i}`)?.rules, '["malformed_json"]', `deep-${i}`);
  });
});
