/**
 * `pipeline sql` over a lake built by the real layer activities on real DuckDB: the seed's four
 * monitoring queries run verbatim and return the right rows, and every statement that could read
 * a file outside the lake, write, attach, install, load or reconfigure is refused with one line
 * and exit code 2.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import { openDuckDB, stageRows, withConnection, writeParquet } from '../../adapters/lake/duck';
import { querySql, SqlRefused } from '../../adapters/lake/sql-session';
import { loadConfig } from '../../config/load';
import type { ResolvedConfig } from '../../config/schema';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { ClientBatchInput } from '../../contract/types';
import { LakeLayout } from '../../domain/lake-layout';
import { ERROR_COLUMNS, RAW_COLUMNS } from '../../domain/tables';
import type { Cell } from '../../domain/tables';
import { createBronzeActivities } from '../../activities/bronze';
import { createGoldActivities } from '../../activities/gold';
import { createSilverActivities } from '../../activities/silver';

const ROOT = path.resolve(__dirname, '../..');
const SEED_QUERIES = {
  errors: 'SELECT * FROM pipeline_errors ORDER BY error_timestamp DESC;',
  health: 'SELECT * FROM pipeline_health_monitor;',
  perClient: 'SELECT client_id, COUNT(*) as record_count FROM kafka_raw_bronze GROUP BY client_id;',
  recentErrors: `SELECT client_id, table_name, COUNT(*) as error_count, MAX(error_timestamp) as last_error
FROM pipeline_errors WHERE error_timestamp >= current_timestamp() - INTERVAL 1 DAY
GROUP BY client_id, table_name ORDER BY error_count DESC;`,
};
const micros = (ms: number) => BigInt(ms) * 1000n;
const message = (client: string, fields: Record<string, unknown>) =>
  JSON.stringify({ client_id: client, event_type: 'purchase', status: 'active', timestamp: '2026-11-20T10:05:00Z', ...fields });

describe('pipeline sql: the seed queries, and nothing but reading the lake', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'sql-surface-'));
  const lakeRoot = path.join(home, 'lake');
  const outside = path.join(home, 'outside.txt');
  const env = { PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: lakeRoot, PIPELINE_WORKFLOW_ID_PREFIX: `sqlsurface${process.pid}` };
  let config: ResolvedConfig;
  const batch = { topic: 'events', seq: 0, batchId: 'events.000000000', records: 0 };
  const oldErrorAt = Date.now() - 3 * 86_400_000;

  /** The real executable, as an operator runs it. */
  const pipeline = (...args: string[]) => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'bin/pipeline.js'), ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
  };
  const sqlJson = (query: string): Record<string, unknown>[] => {
    const r = pipeline('sql', query, '--json');
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Record<string, unknown>[];
  };
  const lakeFiles = (): string[] => readdirSync(lakeRoot, { recursive: true, encoding: 'utf8' }).sort();

  before(async () => {
    config = loadConfig({ env: { ...process.env, ...env } });
    const layout = new LakeLayout(config.lakeDir);
    writeFileSync(outside, 'secret outside the lake\n');
    const values = [
      message('acme', { amount: 1.5 }),
      message('acme', { amount: 2.5, timestamp: '2026-11-20T11:30:00Z' }),
      message('acme', { timestamp: 'yesterday' }), // bronze: not_null_timestamp
      message('acme', { status: 'unknown' }), // silver: valid_status
      message('beta', { amount: 7 }),
      message('beta', { amount: -1 }), // silver: valid_amount
    ];
    const rows: Cell[][] = values.map((value, i) => [
      'events',
      0,
      BigInt(i),
      null,
      value,
      value.length,
      micros(Date.parse('2026-11-22T00:00:00Z') + i),
      (JSON.parse(value) as { client_id: string }).client_id,
      batch.batchId,
      0n,
    ]);
    const db = await openDuckDB({ threads: 1 });
    try {
      await withConnection(db, async (conn) => {
        const raw = await stageRows(conn, 'raw', RAW_COLUMNS, rows);
        await writeParquet(conn, `${raw} ORDER BY client_id, "offset"`, layout.rawFile(batch.topic, batch.batchId));
        // A failed batch three days ago: the last day's query must leave it out.
        const old: Cell[] = [micros(oldErrorAt), 'acme', 'batch', 'clientPipeline', [], 'Boom: old', 'events.000000099', 'events', null, null, null];
        await writeParquet(conn, await stageRows(conn, 'old_error', ERROR_COLUMNS, [old]), layout.errorsFile('batch', 'acme', 'events.000000099'));
      });
      const deps = { config, db, lakeId: 'test-lake' };
      const acts = { ...createBronzeActivities(deps), ...createSilverActivities(deps), ...createGoldActivities(deps) };
      for (const clientId of ['acme', 'beta']) {
        const input: ClientBatchInput = { clientId, batch, ruleActions: DEFAULT_RULE_ACTIONS, lakeId: 'test-lake' };
        const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000 });
        await env.run(acts.bronzeBatch, input);
        await env.run(acts.silverBatch, input);
        await env.run(acts.goldBatch, input);
      }
    } finally {
      db.closeSync();
    }
  });
  after(() => rmSync(home, { recursive: true, force: true }));

  it('runs the seed query of every error, newest first', () => {
    const rows = sqlJson(SEED_QUERIES.errors);
    assert.deepEqual(
      rows.map((r) => [r.client_id, r.table_name, r.offset]),
      [
        ...rows.slice(0, 3).map((r) => [r.client_id, r.table_name, r.offset]), // same instant order is free
        ['acme', 'clientPipeline', null],
      ],
    );
    assert.deepEqual(
      rows
        .slice(0, 3)
        .map((r) => `${String(r.table_name)}@${String(r.offset)}`)
        .sort(),
      ['bronze_acme@2', 'silver_acme@3', 'silver_beta@5'],
    );
    assert.equal(Date.parse(String(rows[3]?.error_timestamp)), oldErrorAt);
  });

  it('runs the seed health query', () => {
    const rows = sqlJson(SEED_QUERIES.health).map((r) => [
      r.client_id,
      r.records_raw,
      r.records_bronze,
      r.records_silver,
      r.records_dropped,
      r.batches_ok,
      r.batches_failed,
    ]);
    assert.deepEqual(rows, [
      ['acme', '4', '3', '2', '2', '1', '1'],
      ['beta', '2', '2', '1', '1', '1', '0'],
    ]);
  });

  it('runs the seed query of records per client in kafka_raw_bronze', () => {
    const rows = sqlJson(SEED_QUERIES.perClient).sort((a, b) => String(a.client_id).localeCompare(String(b.client_id)));
    assert.deepEqual(rows, [
      { client_id: 'acme', record_count: '4' },
      { client_id: 'beta', record_count: '2' },
    ]);
  });

  it("runs the seed query of the last day's errors by client, current_timestamp() included", () => {
    const rows = sqlJson(SEED_QUERIES.recentErrors);
    assert.deepEqual(rows.map((r) => [r.client_id, r.table_name, r.error_count]).sort(), [
      ['acme', 'bronze_acme', '1'],
      ['acme', 'silver_acme', '1'],
      ['beta', 'silver_beta', '1'],
    ]);
    for (const r of rows) assert.ok(Date.now() - Date.parse(String(r.last_error)) < 86_400_000, String(r.last_error));
  });

  it('refuses reading, writing, attaching, installing, loading and reconfiguring, and two statements', async () => {
    const before = lakeFiles();
    const inLake = path.join(config.lakeDir, 'forged.parquet');
    const refused: [string, RegExp][] = [
      ["SELECT * FROM read_text('/etc/passwd')", /only the lake's views can be read/],
      [`SELECT * FROM read_csv('${outside}')`, /only the lake's views can be read/],
      [`SELECT * FROM read_text('${config.lakeDir}/../../outside.txt')`, /only the lake's views can be read/],
      ["SELECT * FROM glob('/etc/*')", /only the lake's views can be read/],
      [`COPY (SELECT 1 AS a) TO '${inLake}' (FORMAT parquet)`, /only one read-only SELECT/],
      [`COPY (SELECT * FROM kafka_raw_bronze) TO '${path.join(home, 'stolen.csv')}'`, /only one read-only SELECT/],
      [`ATTACH '${path.join(home, 'other.db')}' AS other`, /only one read-only SELECT/],
      ['SET enable_external_access = true', /only one read-only SELECT/],
      ['SET threads = 1', /only one read-only SELECT/],
      ['RESET lock_configuration', /only one read-only SELECT/],
      ['INSTALL httpfs', /only one read-only SELECT/],
      ['LOAD httpfs', /only one read-only SELECT/],
      ['CREATE TABLE t AS SELECT 1', /only one read-only SELECT/],
      ["EXPLAIN ANALYZE COPY (SELECT 1) TO 'x.csv'", /only one read-only SELECT/],
      ['SELECT 1; SELECT 2', /this text holds 2/],
      ["SELECT 1; COPY (SELECT 1) TO 'x.csv'", /only one read-only SELECT/],
      ['  ;  ', /this text holds none/],
    ];
    for (const [sql, reason] of refused) {
      await assert.rejects(querySql(config, sql), (e: unknown) => e instanceof SqlRefused && reason.test(e.message), sql);
    }
    assert.deepEqual(lakeFiles(), before, 'the lake is unchanged');
    for (const f of ['stolen.csv', 'other.db']) assert.ok(!existsSync(path.join(home, f)), f);
    assert.ok(!existsSync(path.join(ROOT, 'x.csv')));
  });

  it('says why in one line, with exit code 2, on the command line', () => {
    for (const sql of [
      "SELECT * FROM read_text('/etc/passwd')",
      `COPY (SELECT 1) TO '${path.join(config.lakeDir, 'x.parquet')}'`,
      'SELECT 1; SELECT 2',
    ]) {
      const r = pipeline('sql', sql);
      assert.equal(r.code, 2, `${sql}: ${r.stderr}`);
      assert.equal(r.stderr.split('\n').length, 1, r.stderr);
      assert.match(r.stderr, /^pipeline sql: refused: /);
    }
    assert.equal(pipeline('sql', 'SELEC 1').code, 1, 'a syntax error is reported as before');
  });

  it('still runs ordinary reads: views, WITH, DESCRIBE, SHOW, bound parameters', async () => {
    assert.deepEqual(await querySql(config, 'SELECT count(*) AS n FROM silver_acme'), [{ n: 2n }]);
    assert.deepEqual(await querySql(config, 'WITH g AS (FROM gold_beta_summary) SELECT event_count, total_amount FROM g'), [
      { event_count: 1n, total_amount: 7 },
    ]);
    assert.ok((await querySql(config, 'DESCRIBE kafka_raw_bronze')).some((r) => r.column_name === 'value'));
    assert.ok((await querySql(config, 'SHOW TABLES')).some((r) => r.name === 'client_list'));
    assert.deepEqual(await querySql(config, 'SELECT count(*) AS n FROM kafka_raw_bronze WHERE client_id = $c', { params: { c: 'beta' } }), [
      { n: 2n },
    ]);
    assert.deepEqual(await querySql(config, 'SELECT current_timestamp() = current_timestamp AS same'), [{ same: true }]);
  });
});
