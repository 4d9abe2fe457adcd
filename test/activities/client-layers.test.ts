/**
 * The bronze, silver and gold activities and the compensation of a batch, on real DuckDB and
 * real files, read back through the SQL views: each writes the files of its layer, and
 * compensation leaves the client's tables as if the batch never ran.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DuckDBInstance } from '@duckdb/node-api';
import { openDuckDB, stageRows, withConnection, writeParquet } from '../../adapters/lake/duck';
import { querySql } from '../../adapters/lake/sql-session';
import { loadConfig } from '../../config/load';
import type { ResolvedConfig } from '../../config/schema';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { BatchRef, ClientBatchInput, ClientRunInput } from '../../contract/types';
import { GOLD_STATE_DIR, LakeLayout } from '../../domain/lake-layout';
import { RAW_COLUMNS } from '../../domain/tables';
import type { Cell } from '../../domain/tables';
import { createAlertActivities } from '../../activities/alerts';
import { createBronzeActivities } from '../../activities/bronze';
import { createClientRunActivities, lakeRunLayers } from '../../activities/client-run';
import { createCompensationActivities } from '../../activities/compensation';
import { createGoldActivities } from '../../activities/gold';
import { createSilverActivities } from '../../activities/silver';

const LAKE_ID = 'test-lake';
const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
const message = (fields: Record<string, unknown>) => JSON.stringify({ client_id: 'acme', event_type: 'purchase', status: 'active', ...fields });

/** The Parquet files under a folder (a gold table's slice states included), sorted; none when it is missing. */
function parquetIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.parquet'))
    .sort();
}

describe('client layer activities on real DuckDB', () => {
  const lakeRoot = mkdtempSync(path.join(os.tmpdir(), 'lake-layers-'));
  let config: ResolvedConfig;
  let layout: LakeLayout;
  let db: DuckDBInstance;
  let acts: ReturnType<typeof createBronzeActivities> &
    ReturnType<typeof createSilverActivities> &
    ReturnType<typeof createGoldActivities> &
    ReturnType<typeof createCompensationActivities> &
    ReturnType<typeof createClientRunActivities>;
  const batch = { topic: 'events', seq: 0, batchId: 'events.000000000', records: 5 };
  const input: ClientBatchInput = { clientId: 'acme', batch, ruleActions: DEFAULT_RULE_ACTIONS, lakeId: LAKE_ID };
  /** Runs an activity as an attempt the server scheduled at `scheduledMs` (its clock). */
  const run = <R>(fn: (i: ClientBatchInput) => Promise<R>, scheduledMs = 1_000) =>
    new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000, currentAttemptScheduledTimestampMs: scheduledMs }).run(fn, input);
  const sql = (query: string) => querySql(config, query);
  /** A raw batch file of client acme's messages, at offsets from `first`. */
  const writeRaw = async (b: BatchRef, values: string[], first = 0) => {
    const rows: Cell[][] = values.map((value, i) => [
      'events',
      0,
      BigInt(first + i),
      null,
      value,
      value.length,
      micros('2026-11-22T00:00:00Z'),
      'acme',
      b.batchId,
      0n,
    ]);
    await withConnection(db, async (conn) => {
      await writeParquet(conn, await stageRows(conn, 'raw', RAW_COLUMNS, rows), layout.rawFile(b.topic, b.batchId));
    });
  };

  before(async () => {
    config = loadConfig({ env: { ...process.env, PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: lakeRoot } });
    layout = new LakeLayout(config.lakeDir);
    db = await openDuckDB({ threads: 1 });
    const deps = { config, db, lakeId: LAKE_ID };
    acts = {
      ...createBronzeActivities(deps),
      ...createSilverActivities(deps),
      ...createGoldActivities(deps),
      ...createCompensationActivities(deps),
      ...createClientRunActivities(lakeRunLayers(deps)),
    };
    const values = [
      message({ timestamp: '2026-11-20T10:05:00Z', amount: 1.5 }),
      message({ timestamp: '2026-11-20T10:55:00Z', amount: 2.5 }),
      message({ timestamp: '2026-11-21T08:00:00+02:00', amount: 4 }), // 06:00 UTC on the 21st
      message({ timestamp: 'yesterday' }), // bronze: not_null_timestamp
      message({ timestamp: '2026-11-20T11:00:00Z', status: 'unknown' }), // silver: valid_status
    ];
    await writeRaw(batch, values);
  });
  after(() => {
    db.closeSync();
    rmSync(lakeRoot, { recursive: true, force: true });
  });

  it('bronze keeps the records with an event time and records the others as errors', async () => {
    assert.deepEqual(await run((i) => acts.bronzeBatch(i)), { records: 5, passed: 4, dropped: 1, warned: 0 });
    assert.ok(existsSync(layout.bronzeFile('acme', batch.batchId)));
    const errors = await sql(`SELECT layer, rules, "offset" FROM pipeline_errors`);
    assert.deepEqual(errors, [{ layer: 'bronze', rules: ['not_null_timestamp'], offset: 3n }]);
  });

  it('silver keeps the records that pass the silver rules, typed', async () => {
    assert.deepEqual(await run((i) => acts.silverBatch(i)), { records: 4, passed: 3, dropped: 1, warned: 0 });
    const silver = await sql(`SELECT "offset", amount, event_type FROM silver_acme ORDER BY "offset"`);
    assert.deepEqual(silver, [
      { offset: 0n, amount: 1.5, event_type: 'purchase' },
      { offset: 1n, amount: 2.5, event_type: 'purchase' },
      { offset: 2n, amount: 4, event_type: 'purchase' },
    ]);
  });

  it('gold writes one file per UTC day touched, equal to the GROUP BY over silver', async () => {
    assert.equal(await run((i) => acts.goldBatch(i)), 2);
    assert.deepEqual(parquetIn(layout.goldDir('acme')), [
      '2026-11-20.parquet',
      '2026-11-21.parquet',
      path.join(GOLD_STATE_DIR, '2026-11-20.parquet'),
      path.join(GOLD_STATE_DIR, '2026-11-21.parquet'),
    ]);
    const gold = await sql(`SELECT strftime(window_start, '%Y-%m-%dT%H') AS hour, event_count, total_amount FROM gold_acme_summary ORDER BY hour`);
    assert.deepEqual(gold, [
      { hour: '2026-11-20T10', event_count: 2n, total_amount: 4 },
      { hour: '2026-11-21T06', event_count: 1n, total_amount: 4 },
    ]);
    const [health] = await sql(`SELECT client_id, records_raw, records_bronze, records_silver, records_dropped FROM pipeline_health_monitor`);
    assert.deepEqual(health, { client_id: 'acme', records_raw: 5n, records_bronze: 4n, records_silver: 3n, records_dropped: 2n });
  });

  it('compensation removes every file the batch wrote for the client and rebuilds its gold', async () => {
    await run((i) => acts.discardClientBatch(i), 2_000);
    for (const dir of [layout.bronzeDir('acme'), layout.silverDir('acme'), layout.goldDir('acme')]) {
      assert.deepEqual(parquetIn(dir), [], dir);
    }
    assert.deepEqual(await sql(`SELECT count(*) AS n FROM pipeline_errors WHERE client_id = 'acme'`), [{ n: 0n }]);
    assert.deepEqual(await sql(`SELECT count(*) AS n FROM pipeline_quality_metrics WHERE client_id = 'acme'`), [{ n: 0n }]);
    assert.deepEqual(await sql(`SELECT count(*) AS n FROM gold_acme_summary`), [{ n: 0n }]);
    assert.ok(existsSync(layout.rawFile(batch.topic, batch.batchId)), 'the raw batch stays, for a replay');
  });

  it('refuses a stale attempt, scheduled before the compensation, that publishes after it; a replay publishes', async () => {
    // Attempts scheduled before the compensation (at 2 000) that ran on unseen and publish only now.
    const stale = /discarded/;
    await assert.rejects(
      run((i) => acts.bronzeBatch(i), 1_500),
      stale,
    );
    assert.ok(!existsSync(layout.bronzeFile('acme', batch.batchId)));
    assert.deepEqual(await sql(`SELECT count(*) AS n FROM pipeline_errors WHERE client_id = 'acme'`), [{ n: 0n }]);
    // A replay of the batch is scheduled after the compensation: it writes the layers again,
    // and at each layer a stale attempt that comes late still changes nothing.
    assert.deepEqual(await run((i) => acts.bronzeBatch(i), 3_000), { records: 5, passed: 4, dropped: 1, warned: 0 });
    await assert.rejects(
      run((i) => acts.silverBatch(i), 1_000),
      stale,
    );
    assert.ok(!existsSync(layout.silverFile('acme', batch.batchId)));
    assert.deepEqual(await run((i) => acts.silverBatch(i), 3_000), { records: 4, passed: 3, dropped: 1, warned: 0 });
    await assert.rejects(
      run((i) => acts.goldBatch(i), 1_000),
      stale,
    );
    assert.deepEqual(parquetIn(layout.goldDir('acme')), []);
    assert.equal(await run((i) => acts.goldBatch(i), 3_000), 2);
  });

  it('a failure reported by signal is an error row, not a dropped record, in the health view', async () => {
    const health = `SELECT records_dropped, batches_failed FROM pipeline_health_monitor WHERE client_id = 'acme'`;
    const [before] = await sql(health);
    // Recording a reported failure touches only the lake: no Temporal client is needed.
    const alerts = createAlertActivities({ config, db, temporal: undefined as never });
    await new MockActivityEnvironment().run(() =>
      alerts.recordReportedFailure({ clientId: 'acme', reportId: 'signal-1', error: 'lake disk nearly full', batchId: null, layer: 'signal' }),
    );
    assert.deepEqual(await sql(`SELECT layer FROM pipeline_errors WHERE client_id = 'acme' AND layer = 'signal'`), [{ layer: 'signal' }]);
    assert.deepEqual(await sql(health), [before]);
  });

  it('a run of batches writes the files of each batch in one activity per layer, gold once over all of them; compensation undoes the run', async () => {
    const later = [1, 2].map((seq) => ({ topic: 'events', seq, batchId: `events.00000000${seq}`, records: 2 }));
    const [b1, b2] = later as [BatchRef, BatchRef];
    await writeRaw(b1, [message({ timestamp: '2026-11-20T10:30:00Z', amount: 10 }), message({ timestamp: '2026-11-23T01:00:00Z', amount: 1 })], 10);
    // A late record for an hour gold already holds, and one the silver rules drop.
    await writeRaw(b2, [message({ timestamp: '2026-11-20T10:45:00Z', amount: 0.5 }), message({ timestamp: '2026-11-23T01:00:00Z', amount: -1 })], 20);
    const runInput: ClientRunInput = { clientId: 'acme', batches: later, ruleActions: DEFAULT_RULE_ACTIONS, lakeId: LAKE_ID };
    const runOf = <R>(fn: (i: ClientRunInput) => Promise<R>, scheduledMs = 4_000) =>
      new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000, currentAttemptScheduledTimestampMs: scheduledMs }).run(fn, runInput);
    const goldSql = `SELECT strftime(window_start, '%Y-%m-%dT%H') AS hour, event_count, total_amount FROM gold_acme_summary ORDER BY hour`;
    const before = await sql(goldSql);

    assert.deepEqual(await runOf((i) => acts.bronzeBatches(i)), [
      { records: 2, passed: 2, dropped: 0, warned: 0 },
      { records: 2, passed: 2, dropped: 0, warned: 0 },
    ]);
    assert.deepEqual(await runOf((i) => acts.silverBatches(i)), [
      { records: 2, passed: 2, dropped: 0, warned: 0 },
      { records: 2, passed: 1, dropped: 1, warned: 0 },
    ]);
    for (const b of later) {
      assert.ok(existsSync(layout.bronzeFile('acme', b.batchId)), `bronze of ${b.batchId}`);
      assert.ok(existsSync(layout.silverFile('acme', b.batchId)), `silver of ${b.batchId}`);
    }
    assert.deepEqual(await sql(`SELECT batch_id, count(*) AS n FROM silver_acme GROUP BY ALL ORDER BY batch_id`), [
      { batch_id: batch.batchId, n: 3n },
      { batch_id: b1.batchId, n: 2n },
      { batch_id: b2.batchId, n: 1n },
    ]);
    assert.equal(await runOf((i) => acts.goldBatches(i)), 2, 'the two days the run touched: 10:00 and 11:00 of the 20th, 01:00 of the 23rd');
    assert.deepEqual(await sql(goldSql), [
      { hour: '2026-11-20T10', event_count: 4n, total_amount: 14.5 },
      { hour: '2026-11-21T06', event_count: 1n, total_amount: 4 },
      { hour: '2026-11-23T01', event_count: 1n, total_amount: 1 },
    ]);
    const groupBy = await sql(
      `SELECT strftime(date_trunc('hour', event_timestamp), '%Y-%m-%dT%H') AS hour, count(*) AS event_count, sum(amount) AS total_amount FROM silver_acme GROUP BY ALL ORDER BY hour`,
    );
    assert.deepEqual(await sql(goldSql), groupBy, 'gold equals the GROUP BY over silver');

    await runOf((i) => acts.discardClientBatches(i), 5_000);
    for (const b of later) {
      assert.ok(!existsSync(layout.bronzeFile('acme', b.batchId)) && !existsSync(layout.silverFile('acme', b.batchId)), b.batchId);
    }
    assert.deepEqual(await sql(goldSql), before, 'gold as if the run never happened');
    await assert.rejects(
      runOf((i) => acts.bronzeBatches(i), 4_500),
      /discarded/,
      'an attempt of the run scheduled before its compensation publishes nothing',
    );
    for (const b of later) assert.ok(!existsSync(layout.bronzeFile('acme', b.batchId)), b.batchId);
  });

  it('a run through all layers in one activity writes what the layer activities write one after another', async () => {
    const run = [7, 8].map((seq) => ({ topic: 'events', seq, batchId: `events.00000000${seq}`, records: 3 }));
    const [b7, b8] = run as [BatchRef, BatchRef];
    // Kept, dropped by bronze, dropped by silver; and a warned record (a warn rule keeps it).
    await writeRaw(
      b7,
      [message({ timestamp: '2026-11-24T10:00:00Z', amount: 3 }), message({}), message({ timestamp: '2026-11-24T10:30:00Z', amount: -2 })],
      70,
    );
    await writeRaw(
      b8,
      [message({ timestamp: '2026-11-24T11:00:00+01:00', amount: 7.25 }), message({ timestamp: '2026-11-24T12:00:00Z', status: 'odd' })],
      80,
    );
    const ruleActions = { ...DEFAULT_RULE_ACTIONS, valid_status: 'warn' as const };
    const runInput: ClientRunInput = { clientId: 'acme', batches: run, ruleActions, lakeId: LAKE_ID };
    const runOf = <R>(fn: (i: ClientRunInput) => Promise<R>, scheduledMs: number) =>
      new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000, currentAttemptScheduledTimestampMs: scheduledMs }).run(fn, runInput);
    // Everything the run wrote, but the times of writing.
    const tables = async () => ({
      bronze: await sql(`SELECT * EXCLUDE (processed_at) FROM bronze_acme WHERE batch_id IN ('${b7.batchId}', '${b8.batchId}') ORDER BY "offset"`),
      silver: await sql(`SELECT * EXCLUDE (processed_at) FROM silver_acme WHERE batch_id IN ('${b7.batchId}', '${b8.batchId}') ORDER BY "offset"`),
      gold: await sql(`SELECT * FROM gold_acme_summary ORDER BY window_start, event_type`),
      errors: await sql(`SELECT * EXCLUDE (error_timestamp) FROM pipeline_errors WHERE client_id = 'acme' ORDER BY "offset", layer`),
      metrics: await sql(`SELECT * EXCLUDE (recorded_at) FROM pipeline_quality_metrics WHERE client_id = 'acme' ORDER BY batch_id, layer, rule`),
    });

    const layered = {
      bronze: await runOf((i) => acts.bronzeBatches(i), 6_000),
      silver: await runOf((i) => acts.silverBatches(i), 6_000),
      goldRows: await runOf((i) => acts.goldBatches(i), 6_000),
    };
    const written = await tables();
    assert.equal(written.bronze.length, 4);
    assert.equal(written.silver.length, 3, 'the warned record is kept');
    await runOf((i) => acts.discardClientBatches(i), 7_000);
    assert.equal((await tables()).bronze.length, 0);

    assert.deepEqual(await runOf((i) => acts.runClientBatches(i), 8_000), layered);
    assert.deepEqual(await tables(), written);
  });
});
