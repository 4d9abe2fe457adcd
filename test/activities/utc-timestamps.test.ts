/**
 * Every table's timestamp columns are written as UTC-adjusted Parquet timestamps, so readers that
 * honour the flag (Spark, pandas, pyarrow) see instants, not local wall-clock times. Checked with a
 * second Parquet reader (hyparquet) on files written by the real activities.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DuckDBInstance } from '@duckdb/node-api';
import { openDuckDB, stageRows, withConnection, writeParquet } from '../../adapters/lake/duck';
import { loadConfig } from '../../config/load';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { ClientBatchInput } from '../../contract/types';
import { GOLD_STATE_DIR, LakeLayout } from '../../domain/lake-layout';
import { RAW_COLUMNS } from '../../domain/tables';
import { createBronzeActivities } from '../../activities/bronze';
import { createGoldActivities } from '../../activities/gold';
import { createSilverActivities } from '../../activities/silver';

const KAFKA_AT = '2026-11-22T00:00:00.000Z';
const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

/** Every Parquet file of a table under a folder, relative to it (a gold table's slice states are not its files). */
function parquetFiles(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.parquet') && !f.split(path.sep).includes(GOLD_STATE_DIR));
}

describe('timestamps are UTC-adjusted in every table (hyparquet)', () => {
  const lakeRoot = mkdtempSync(path.join(os.tmpdir(), 'lake-utc-'));
  const config = loadConfig({ env: { ...process.env, PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: lakeRoot } });
  const layout = new LakeLayout(config.lakeDir);
  const batch = { topic: 'events', seq: 0, batchId: 'events.000000000', records: 3 };
  const input: ClientBatchInput = { clientId: 'acme', batch, ruleActions: DEFAULT_RULE_ACTIONS, lakeId: 'utc-lake' };
  let db: DuckDBInstance;

  before(async () => {
    db = await openDuckDB({ threads: 1 });
    const values = [
      { timestamp: '2026-11-21T08:30:00+02:00', amount: 4 }, // 06:30 UTC
      { timestamp: '2026-11-20T23:59:00-01:00', amount: 1 }, // 00:59 UTC on the 21st
      { timestamp: 'yesterday' }, // an error row (bronze: not_null_timestamp) and a failed metric
    ].map((f) => JSON.stringify({ client_id: 'acme', event_type: 'purchase', status: 'active', ...f }));
    await withConnection(db, async (conn) => {
      const rows = values.map((v, i) => ['events', 0, BigInt(i), null, v, v.length, micros(KAFKA_AT), 'acme', batch.batchId, micros(KAFKA_AT)]);
      await writeParquet(conn, await stageRows(conn, 'raw', RAW_COLUMNS, rows), layout.rawFile(batch.topic, batch.batchId));
    });
    const deps = { config, db, lakeId: input.lakeId! };
    const acts = { ...createBronzeActivities(deps), ...createSilverActivities(deps), ...createGoldActivities(deps) };
    const env = () => new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000 });
    await env().run(acts.bronzeBatch, input);
    await env().run(acts.silverBatch, input);
    await env().run(acts.goldBatch, input);
  });
  after(() => {
    db.closeSync();
    rmSync(lakeRoot, { recursive: true, force: true });
  });

  /** Each table's timestamp columns, in file order. */
  const stampsOf: Record<string, string[]> = {
    kafka_raw_bronze: ['kafka_timestamp', 'ingested_at'],
    bronze_acme: ['event_timestamp', 'kafka_timestamp', 'processed_at'],
    silver_acme: ['event_timestamp', 'processed_at'],
    gold_acme_summary: ['window_start', 'window_end'],
    pipeline_errors: ['error_timestamp'],
    pipeline_quality_metrics: ['recorded_at'],
  };

  /** Rows of every file of a table, read by hyparquet, after checking each file's timestamp columns. */
  async function readTable(dir: string): Promise<Record<string, unknown>[]> {
    const { parquetMetadata, parquetReadObjects } = await import('hyparquet');
    const { compressors } = await import('hyparquet-compressors');
    const stamps = stampsOf[dir] ?? [];
    const files = parquetFiles(path.join(config.lakeDir, dir));
    assert.ok(files.length > 0, `${dir} has files`);
    const rows: Record<string, unknown>[] = [];
    for (const name of files) {
      const bytes = readFileSync(path.join(config.lakeDir, dir, name));
      const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
      const schema = parquetMetadata(file).schema;
      const written = schema.filter((s) => s.logical_type?.type === 'TIMESTAMP').map((s) => s.name);
      assert.deepEqual(written, stamps, `${dir}/${name}: the timestamp columns`);
      for (const column of stamps) {
        const element = schema.find((s) => s.name === column);
        assert.deepEqual(element?.logical_type, { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' }, `${dir}/${name} ${column}`);
      }
      rows.push(...(await parquetReadObjects({ file, compressors })));
    }
    return rows;
  }

  const iso = (v: unknown) => (v instanceof Date ? v.toISOString() : `not a date: ${String(v)}`);

  it('marks every timestamp column of every table isAdjustedToUTC', async () => {
    for (const dir of Object.keys(stampsOf)) await readTable(dir);
  });

  it('holds the right instants', async () => {
    const raw = await readTable('kafka_raw_bronze');
    assert.deepEqual(
      raw.map((r) => iso(r.kafka_timestamp)),
      [KAFKA_AT, KAFKA_AT, KAFKA_AT],
    );
    const silver = await readTable('silver_acme');
    assert.deepEqual(silver.map((r) => iso(r.event_timestamp)).sort(), ['2026-11-21T00:59:00.000Z', '2026-11-21T06:30:00.000Z']);
    // Hours are cut in UTC: 23:59 at -01:00 belongs to the 00:00 UTC window of the 21st.
    const gold = await readTable('gold_acme_summary');
    assert.deepEqual(gold.map((r) => [iso(r.window_start), iso(r.window_end)]).sort(), [
      ['2026-11-21T00:00:00.000Z', '2026-11-21T01:00:00.000Z'],
      ['2026-11-21T06:00:00.000Z', '2026-11-21T07:00:00.000Z'],
    ]);
    const now = Date.now();
    for (const [dir, column] of [
      ['bronze_acme', 'processed_at'],
      ['pipeline_errors', 'error_timestamp'],
      ['pipeline_quality_metrics', 'recorded_at'],
    ] as const) {
      for (const r of await readTable(dir)) {
        const at = r[column];
        assert.ok(at instanceof Date && Math.abs(at.getTime() - now) < 10 * 60_000, `${dir}.${column} ${String(at)} is the time of writing`);
      }
    }
  });

  it('stages timestamp cells as the same instants whatever the session’s time zone', async () => {
    const db = await openDuckDB({ threads: 1 });
    try {
      const conn = await db.connect();
      await conn.run("SET TimeZone = 'America/New_York'");
      const at = micros('2026-11-21T23:59:00.123Z') + 456n;
      const stamps = await stageRows(conn, 'stamps', [['at', 'TIMESTAMPTZ']], [[at], [null]]);
      const rows = (await conn.runAndReadAll(`SELECT epoch_us("at") AS us FROM (${stamps})`)).getRowObjectsJS();
      assert.deepEqual(
        rows.map((r) => r.us),
        [at, null],
      );
      conn.closeSync();
    } finally {
      db.closeSync();
    }
  });

  it('stages a column the same in every row once, with the same values and types, whatever the session’s time zone', async () => {
    const db = await openDuckDB({ threads: 1 });
    try {
      const conn = await db.connect();
      await conn.run("SET TimeZone = 'Asia/Kolkata'");
      const at = micros('2026-11-21T23:59:00.123Z') + 456n;
      const columns = [
        ['id', 'INTEGER'],
        ['at', 'TIMESTAMPTZ'],
        ['name', 'VARCHAR'],
        ['big', 'BIGINT'],
        ['none', 'VARCHAR'],
      ] as const;
      const rows = [1, 2].map((id) => [id, at, "o'brien", 9_007_199_254_740_993n, null]);
      const read = async (query: string) =>
        (
          await conn.runAndReadAll(`SELECT id, epoch_us("at") AS us, name, big, none, typeof("at") AS t, typeof(big) AS tb FROM (${query})`)
        ).getRowObjectsJS();
      const everyRow = await read(await stageRows(conn, 'every_row', columns, rows));
      const once = await read(await stageRows(conn, 'once', columns, rows, ['at', 'name', 'big', 'none']));
      assert.deepEqual(once, everyRow);
      assert.deepEqual(once[0], {
        id: 1,
        us: at,
        name: "o'brien",
        big: 9_007_199_254_740_993n,
        none: null,
        t: 'TIMESTAMP WITH TIME ZONE',
        tb: 'BIGINT',
      });
      await assert.rejects(stageRows(conn, 'wrong', columns, [...rows, [3, at + 1n, "o'brien", 1n, null]], ['at']), /column at of wrong/);
      conn.closeSync();
    } finally {
      db.closeSync();
    }
  });
});
