/**
 * The SQL surface over the lake: views with the names of DESIGN.md section 4, on a DuckDB
 * connection. Per-client views come from the lake's folders, whose names were validated when
 * they were written and are checked again here before they become SQL names.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { stageRows } from './duck';
import { CLIENT_ID_PATTERN } from '../../domain/rules';
import { emptyRelationSql, ERROR_COLUMNS, GOLD_COLUMNS, METRIC_COLUMNS, RAW_COLUMNS, BRONZE_COLUMNS, SILVER_COLUMNS, sqlIdent, sqlString } from '../../domain/tables';
import type { Columns } from '../../domain/tables';

async function hasParquet(dir: string, depth: number): Promise<boolean> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  if (depth === 0) return entries.some((e) => e.isFile() && e.name.endsWith('.parquet'));
  for (const e of entries) if (e.isDirectory() && (await hasParquet(path.join(dir, e.name), depth - 1))) return true;
  return false;
}

/** A view over `<dir>/(*\/)^depth *.parquet`, or an empty one with the table's columns. */
async function parquetView(conn: DuckDBConnection, name: string, dir: string, depth: number, columns: Columns): Promise<void> {
  const glob = path.join(dir, ...Array(depth).fill('*'), '*.parquet');
  const source = (await hasParquet(dir, depth)) ? `SELECT * FROM read_parquet(${sqlString(glob)}, union_by_name = true)` : emptyRelationSql(columns);
  await conn.run(`CREATE OR REPLACE VIEW ${sqlIdent(name)} AS ${source}`);
}

/** Client ids that have a table of the given kind in the lake. */
export async function lakeClients(lakeDir: string): Promise<string[]> {
  let names: string[] = [];
  try {
    names = await fs.readdir(lakeDir);
  } catch {
    return [];
  }
  const clients = new Set<string>();
  for (const name of names) {
    const m = /^(?:bronze|silver)_(.+)$/.exec(name);
    if (m?.[1] && CLIENT_ID_PATTERN.test(m[1])) clients.add(m[1]);
  }
  return [...clients].sort();
}

/** Live state of a client's workflow, from Temporal, for the health view. */
export interface LiveClientState {
  client_id: string;
  state: string;
  queued_batches: number;
  backlog_records: number;
  consumer_lag: number | null;
}

const LIVE_STATE_COLUMNS: Columns = [
  ['client_id', 'VARCHAR'],
  ['state', 'VARCHAR'],
  ['queued_batches', 'BIGINT'],
  ['backlog_records', 'BIGINT'],
  ['consumer_lag', 'BIGINT'],
];

/**
 * Creates every view. `live` (client workflow states from Temporal) fills the health view's
 * state and backlog; without it they are `unknown` / null.
 */
export async function createViews(conn: DuckDBConnection, lakeDir: string, live: readonly LiveClientState[] = []): Promise<string[]> {
  const views: string[] = [];
  await stageRows(conn, 'pipeline_client_state', LIVE_STATE_COLUMNS, live.map((l) => [l.client_id, l.state, l.queued_batches, l.backlog_records, l.consumer_lag]));
  const view = async (name: string, dir: string, depth: number, columns: Columns) => {
    await parquetView(conn, name, path.join(lakeDir, dir), depth, columns);
    views.push(name);
  };
  await view('kafka_raw_bronze', 'kafka_raw_bronze', 1, RAW_COLUMNS);
  await view('pipeline_errors', 'pipeline_errors', 2, ERROR_COLUMNS);
  await view('pipeline_quality_metrics', 'pipeline_quality_metrics', 2, METRIC_COLUMNS);
  const clients = await lakeClients(lakeDir);
  for (const client of clients) {
    await view(`bronze_${client}`, `bronze_${client}`, 0, BRONZE_COLUMNS);
    await view(`silver_${client}`, `silver_${client}`, 0, SILVER_COLUMNS);
    await view(`gold_${client}_summary`, `gold_${client}_summary`, 0, GOLD_COLUMNS);
  }
  const perClient = (kind: 'bronze' | 'silver') =>
    clients.length === 0
      ? `SELECT NULL::VARCHAR AS client_id, NULL::VARCHAR AS batch_id, NULL::TIMESTAMP AS processed_at WHERE false`
      : clients.map((c) => `SELECT client_id, batch_id, processed_at FROM ${sqlIdent(`${kind}_${c}`)}`).join(' UNION ALL ');

  await conn.run(`CREATE OR REPLACE VIEW client_list AS
    SELECT client_id,
           arg_max(json_extract_string(value, '$.client_name'), kafka_timestamp)
             FILTER (WHERE json_valid(value) AND json_extract_string(value, '$.client_name') IS NOT NULL) AS client_name,
           min(kafka_timestamp) AS first_seen,
           max(kafka_timestamp) AS last_seen,
           count(*) AS raw_records
    FROM kafka_raw_bronze WHERE client_id IS NOT NULL GROUP BY client_id`);
  views.push('client_list');

  // Health: figures from the lake, state and backlog from the client workflows (when reachable).
  await conn.run(`CREATE OR REPLACE VIEW pipeline_health_monitor AS
    WITH raw AS (SELECT client_id, count(*) AS records_raw FROM kafka_raw_bronze WHERE client_id IS NOT NULL GROUP BY ALL),
    bronze AS (SELECT client_id, count(*) AS records_bronze, count(DISTINCT batch_id) AS batches_ok, max(processed_at) AS last_batch_at FROM (${perClient('bronze')}) GROUP BY ALL),
    silver AS (SELECT client_id, count(*) AS records_silver FROM (${perClient('silver')}) GROUP BY ALL),
    errs AS (SELECT client_id,
                    count(*) FILTER (WHERE layer <> 'batch') AS records_dropped,
                    count(*) FILTER (WHERE layer = 'batch') AS batches_failed,
                    arg_max(error_message, error_timestamp) AS last_error
             FROM pipeline_errors WHERE client_id IS NOT NULL GROUP BY ALL)
    SELECT raw.client_id,
           coalesce(live.state, 'unknown') AS state,
           bronze.last_batch_at,
           coalesce(bronze.batches_ok, 0) AS batches_ok,
           coalesce(errs.batches_failed, 0) AS batches_failed,
           raw.records_raw,
           coalesce(bronze.records_bronze, 0) AS records_bronze,
           coalesce(silver.records_silver, 0) AS records_silver,
           coalesce(errs.records_dropped, 0) AS records_dropped,
           round(coalesce(errs.records_dropped, 0) / raw.records_raw, 4) AS error_rate,
           live.queued_batches,
           live.backlog_records,
           live.consumer_lag,
           errs.last_error
    FROM raw LEFT JOIN bronze USING (client_id) LEFT JOIN silver USING (client_id) LEFT JOIN errs USING (client_id)
         LEFT JOIN pipeline_client_state AS live USING (client_id)
    ORDER BY raw.client_id`);
  views.push('pipeline_health_monitor');
  return views;
}
