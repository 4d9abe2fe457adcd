/**
 * End to end on the real broker and the real Temporal dev server: 12,000 demo messages of three
 * known clients (and unknown ones), every kind of bad record among them, a worker killed with
 * SIGKILL while batches are in flight, then every table checked against an account computed
 * independently from the produced messages.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import type { Kafka } from 'kafkajs';
import { startPipeline } from '../../adapters/temporal/start';
import { pipelineStatus } from '../../adapters/temporal/status';
import type { StatusReport } from '../../adapters/temporal/status';
import { generateDemo } from '../../domain/demo';
import type { TopicOffsets } from '../../adapters/kafka/kafka';
import { produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { clientWorkflowId, ingestWorkflowId } from '../../contract/ids';
import { historyStats, isolatedEnv, openSandbox, recordHistory, startWorkerProcess, steadilyDrained, waitFor } from '../helpers';
import type { HistoryStats, Sandbox, WorkerProcess } from '../helpers';
import { expectedTables } from './expectations';

const CLIENTS = ['acme', 'globex', 'initech'];
const COUNT = 12_000;
const BATCH = 1_000;

describe('pipeline end to end (real Kafka, real Temporal, SIGKILL of the worker)', () => {
  const t = isolatedEnv('e2e', {
    PIPELINE_KNOWN_CLIENTS: CLIENTS.join(','),
    PIPELINE_AUTO_DISCOVER: 'false',
    PIPELINE_BATCH_MAX_MESSAGES: String(BATCH),
    PIPELINE_BATCH_MAX_WAIT_MS: '300',
  });
  const { config } = t;
  const topic = config.target.topic;
  const messages = generateDemo({ count: COUNT, clients: CLIENTS.length, seed: 2026 });
  const expected = expectedTables(messages, CLIENTS);
  let sandbox: Sandbox | undefined;
  let temporal: Client;
  let kafka: Kafka;
  let offsets: TopicOffsets;
  let worker: WorkerProcess | null = null;
  let drainedStatus: StatusReport;
  const sql = (q: string) => querySql(config, q);
  const num = (v: unknown) => Number(v);

  before(async () => {
    sandbox = await openSandbox(t, 3);
    ({ temporal, kafka, offsets } = sandbox);
  });

  after(async () => {
    await worker?.stop('SIGKILL');
    await sandbox?.close();
  });

  it(`drains ${COUNT} messages of ${CLIENTS.length} clients, surviving a SIGKILL of the worker mid-run`, async () => {
    const started = Date.now();
    worker = startWorkerProcess(t.env);
    await worker.ready;
    // An operator sees the worker's own line, not the bundler's statistics or SDK state changes.
    assert.doesNotMatch(worker.output(), /webpack|Worker state changed/);
    await startPipeline(config, temporal);
    // The first half arrives in waves, so the pipeline is mid-stream whenever the kill lands.
    const firstHalf = (async () => {
      for (let i = 0; i < COUNT / 2; i += 500) {
        await produceMessages(kafka, topic, messages.slice(i, Math.min(i + 500, COUNT / 2)));
        await new Promise((r) => setTimeout(r, 150));
      }
    })();

    // Kill the worker while batches are in flight: ingest has landed some, clients are busy.
    await waitFor(
      'batches in flight',
      async () => {
        const s = await pipelineStatus(config, temporal, offsets);
        return s.ingest !== null && s.ingest.batches >= 2 && s.clients.some((c) => c.busy || c.queued > 0);
      },
      120_000,
      50,
    );
    worker.child.kill('SIGKILL');
    await worker.stop();
    await firstHalf;
    // The second half arrives while no worker runs; a fresh worker picks everything up.
    await produceMessages(kafka, topic, messages.slice(COUNT / 2));
    worker = startWorkerProcess(t.env);
    await worker.ready;

    drainedStatus = await steadilyDrained('the pipeline to drain', () => pipelineStatus(config, temporal, offsets));
    const seconds = (Date.now() - started) / 1000;
    console.log(`e2e: ${COUNT} messages drained in ${seconds.toFixed(1)} s including the kill and restart (${Math.round(COUNT / seconds)} msg/s)`);
    assert.equal(drainedStatus.ingest?.lag, 0);
    const routedToClients = messages.filter((m) => m.truth.clientId !== null).length;
    assert.equal(
      drainedStatus.clients.reduce((n, c) => n + c.totals.records, 0),
      routedToClients,
    );
    for (const c of drainedStatus.clients) {
      assert.equal(c.failed, 0, `${c.clientId} has failed batches: ${c.lastError}`);
      assert.equal(c.state, 'running');
    }
  });

  it('lands every message exactly once in kafka_raw_bronze', async () => {
    const [totals] = await sql(`SELECT count(*) AS n, count(DISTINCT ("partition", "offset")) AS distinct_n FROM kafka_raw_bronze`);
    assert.equal(num(totals?.n), COUNT);
    assert.equal(num(totals?.distinct_n), COUNT);
    const perClient = await sql('SELECT client_id, count(*) AS n FROM kafka_raw_bronze GROUP BY client_id');
    assert.deepEqual(new Map(perClient.map((r) => [r.client_id as string | null, num(r.n)])), expected.rawByClaimedClient);
  });

  it('has exactly the expected records in every bronze and silver table, none twice', async () => {
    for (const client of CLIENTS) {
      for (const [layer, want] of [
        ['bronze', expected.bronze.get(client)],
        ['silver', expected.silver.get(client)],
      ] as const) {
        const [r] = await sql(`SELECT count(*) AS n, count(DISTINCT ("partition", "offset")) AS d FROM "${layer}_${client}"`);
        assert.equal(num(r?.n), want, `${layer}_${client} rows`);
        assert.equal(num(r?.d), want, `${layer}_${client} distinct records`);
      }
    }
  });

  it('puts each dropped record in pipeline_errors exactly once, naming all its rules', async () => {
    const groups = await sql(`SELECT client_id, layer, table_name, to_json(rules)::VARCHAR AS rules, count(*)::INTEGER AS n
                              FROM pipeline_errors GROUP BY ALL ORDER BY ALL`);
    const actual = groups.map((g) => ({ client_id: g.client_id, layer: g.layer, table_name: g.table_name, rules: g.rules, n: num(g.n) }));
    assert.deepEqual(
      actual.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      expected.errors,
    );
    // Every raw record ends in exactly one place: a silver table or an error row.
    const silverUnion = CLIENTS.map((c) => `SELECT "partition", "offset" FROM "silver_${c}"`).join(' UNION ALL ');
    const [misplaced] = await sql(`
      WITH outcomes AS (${silverUnion} UNION ALL SELECT "partition", "offset" FROM pipeline_errors)
      SELECT count(*) AS n FROM kafka_raw_bronze r
      WHERE (SELECT count(*) FROM outcomes o WHERE o."partition" = r."partition" AND o."offset" = r."offset") <> 1`);
    assert.equal(num(misplaced?.n), 0, 'records in no table or in two');
    const [sample] = await sql(`SELECT e.raw_value = r.value AS same FROM pipeline_errors e JOIN kafka_raw_bronze r USING ("partition", "offset")
                                WHERE e.layer = 'silver' LIMIT 1`);
    assert.equal(sample?.same, true, 'error rows keep the raw value');
  });

  it('computes gold equal to an aggregate of the produced messages, late records included', async () => {
    assert.ok(
      messages.some((m) => m.truth.kind === 'late'),
      'the traffic holds late records',
    );
    for (const client of CLIENTS) {
      const rows =
        await sql(`SELECT strftime(window_start, '%Y-%m-%dT%H:%M:%S.000Z') AS ws, window_end - window_start AS width, event_type, event_count,
                                     total_amount, avg_amount, min_amount, max_amount
                              FROM "gold_${client}_summary" ORDER BY window_start, event_type`);
      const want = expected.gold.get(client) ?? [];
      assert.equal(rows.length, want.length, `gold_${client}_summary rows`);
      rows.forEach((row, i) => {
        const w = want[i]!;
        const where = `gold_${client}_summary ${w.window_start} ${w.event_type}`;
        assert.equal(row.ws, w.window_start, where);
        assert.equal(row.event_type, w.event_type, where);
        assert.equal(num(row.event_count), w.event_count, where);
        assert.equal(row.total_amount, w.total_cents === null ? null : w.total_cents / 100, `${where} total`);
        assert.equal(row.min_amount, w.min_cents === null ? null : w.min_cents / 100, `${where} min`);
        assert.equal(row.max_amount, w.max_cents === null ? null : w.max_cents / 100, `${where} max`);
        if (w.total_cents === null) assert.equal(row.avg_amount, null, where);
        else assert.ok(Math.abs((row.avg_amount as number) - w.total_cents / 100 / w.amounts) <= 1e-9, `${where} avg ${row.avg_amount}`);
      });
      // And gold is exactly the GROUP BY over silver.
      const [diff] = await sql(`SELECT count(*) AS n FROM (
          (SELECT window_start, event_type, event_count FROM "gold_${client}_summary"
           EXCEPT SELECT date_trunc('hour', event_timestamp), event_type, count(*) FROM "silver_${client}" GROUP BY ALL)
          UNION ALL
          (SELECT date_trunc('hour', event_timestamp), event_type, count(*) FROM "silver_${client}" GROUP BY ALL
           EXCEPT SELECT window_start, event_type, event_count FROM "gold_${client}_summary"))`);
      assert.equal(num(diff?.n), 0, `gold_${client}_summary differs from silver`);
    }
  });

  it('writes Parquet that another reader (hyparquet) opens', async () => {
    const { parquetReadObjects } = await import('hyparquet');
    const { compressors } = await import('hyparquet-compressors');
    for (const client of CLIENTS) {
      const dir = path.join(config.lakeDir, `silver_${client}`);
      let rows = 0;
      for (const name of readdirSync(dir).filter((f) => f.endsWith('.parquet'))) {
        const bytes = readFileSync(path.join(dir, name));
        const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
        const records = await parquetReadObjects({ file, compressors });
        rows += records.length;
        for (const r of records) assert.equal(r.client_id, client);
      }
      assert.equal(rows, expected.silver.get(client));
    }
  });

  it('answers `pipeline sql` from the command line', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [
        '--import',
        'tsx',
        path.resolve(__dirname, '../../scripts/pipeline.ts'),
        'sql',
        'select client_id, count(*) as n from kafka_raw_bronze group by client_id',
        '--json',
      ],
      { env: t.env },
    );
    const rows = JSON.parse(stdout) as { client_id: string | null; n: string | number }[];
    assert.deepEqual(new Map(rows.map((r) => [r.client_id, Number(r.n)])), expected.rawByClaimedClient);
  });

  it('keeps message bodies out of Temporal history, whose size does not grow with batch size', async () => {
    const ids = [
      ingestWorkflowId(config.temporal.workflowIdPrefix, topic),
      ...CLIENTS.map((c) => clientWorkflowId(config.temporal.workflowIdPrefix, c)),
    ];
    const stats: HistoryStats[] = [];
    for (const id of ids) stats.push(await historyStats(temporal, id));
    const total = stats.reduce((n, s) => n + s.bytes, 0);
    const events = stats.reduce((n, s) => n + s.events, 0);
    const bodyBytes = messages.reduce((n, m) => n + m.value.length, 0);
    console.log(
      `e2e history: ${events} events, ${total} bytes over ${stats.length} workflows (message bodies: ${bodyBytes} bytes); largest payload ${Math.max(...stats.map((s) => s.maxPayloadBytes))} bytes`,
    );
    // Activities cut off by the SIGKILL time out and run again; the kill's exact moment is a race,
    // so what it interrupted is reported rather than asserted.
    const retried = stats.flatMap((s) => s.retriedActivities);
    console.log(
      `e2e kill: ${retried.length} activities ran again after the SIGKILL: ${retried.map((r) => `${r.type} (attempt ${r.attempt}: ${r.lastFailure})`).join(', ')}`,
    );
    for (const s of stats) {
      for (const marker of ['ord-', 'Acme Corporation', 'Ghost Trading', '"order_id"']) {
        assert.ok(!s.payloadText.includes(marker), `${s.workflowId} history holds message content (${marker})`);
      }
      // References only: a payload's size depends on names and counts, never on the batch.
      assert.ok(s.maxPayloadBytes < 4096, `${s.workflowId}: largest payload ${s.maxPayloadBytes} bytes`);
      assert.ok(s.bytes / s.events < 1024, `${s.workflowId}: ${s.bytes} bytes for ${s.events} events`);
    }
    assert.ok(total < bodyBytes / 4, `history ${total} bytes is not small next to ${bodyBytes} bytes of messages`);
  });

  it('replays the recorded histories with the current workflow code (determinism)', async () => {
    for (const id of [ingestWorkflowId(config.temporal.workflowIdPrefix, topic), clientWorkflowId(config.temporal.workflowIdPrefix, 'acme')]) {
      const history = await temporal.workflow.getHandle(id).fetchHistory();
      await Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows') }, history, id);
    }
    await recordHistory(temporal, ingestWorkflowId(config.temporal.workflowIdPrefix, topic), 'ingest-with-worker-kill');
    await recordHistory(temporal, clientWorkflowId(config.temporal.workflowIdPrefix, 'globex'), 'client-pipeline-with-worker-kill');
  });
});
