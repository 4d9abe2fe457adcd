/**
 * The SQL surface over the lake, as text: which views exist over which folders, and the SQL of
 * the views derived from them. Pure; adapters/lake/views.ts creates them on a connection.
 */
import { tableName } from './lake-layout';
import { emptyRelationSql, sqlIdent, sqlString } from './sql';
import { BRONZE_COLUMNS, ERROR_COLUMNS, GOLD_COLUMNS, METRIC_COLUMNS, RAW_COLUMNS, SILVER_COLUMNS } from './tables';
import type { Columns } from './tables';

/** A view over a table's Parquet files: `<lakeDir>/<dir>/(*\/)^depth *.parquet`. */
export interface TableView {
  name: string;
  dir: string;
  depth: number;
  columns: Columns;
}

/** The table views of a lake holding these clients (ids already validated). */
export function tableViews(clients: readonly string[]): TableView[] {
  return [
    { name: 'kafka_raw_bronze', dir: 'kafka_raw_bronze', depth: 1, columns: RAW_COLUMNS },
    { name: 'pipeline_errors', dir: 'pipeline_errors', depth: 2, columns: ERROR_COLUMNS },
    { name: 'pipeline_quality_metrics', dir: 'pipeline_quality_metrics', depth: 2, columns: METRIC_COLUMNS },
    ...clients.flatMap((c) => [
      { name: tableName.bronze(c), dir: tableName.bronze(c), depth: 0, columns: BRONZE_COLUMNS },
      { name: tableName.silver(c), dir: tableName.silver(c), depth: 0, columns: SILVER_COLUMNS },
      { name: tableName.gold(c), dir: tableName.gold(c), depth: 0, columns: GOLD_COLUMNS },
    ]),
  ];
}

/** A table view over the files of some globs, or an empty one with the table's columns when there are none. */
export function tableViewSql(name: string, globs: readonly string[], columns: Columns): string {
  const source =
    globs.length === 0 ? emptyRelationSql(columns) : `SELECT * FROM read_parquet([${globs.map(sqlString).join(', ')}], union_by_name = true)`;
  return `CREATE OR REPLACE VIEW ${sqlIdent(name)} AS ${source}`;
}

export const CLIENT_LIST_VIEW_SQL = `CREATE OR REPLACE VIEW client_list AS
    SELECT client_id,
           arg_max(json_extract_string(value, '$.client_name'), kafka_timestamp)
             FILTER (WHERE json_valid(value) AND json_extract_string(value, '$.client_name') IS NOT NULL) AS client_name,
           min(kafka_timestamp) AS first_seen,
           max(kafka_timestamp) AS last_seen,
           count(*) AS raw_records
    FROM kafka_raw_bronze WHERE client_id IS NOT NULL GROUP BY client_id`;

/** The relation the health view takes each client workflow's live state from. */
export const LIVE_STATE_TABLE = 'pipeline_client_state';

/** Every client's rows of one layer, as one relation (of the columns the health view needs). */
function perClient(clients: readonly string[], layer: 'bronze' | 'silver'): string {
  return clients.length === 0
    ? `SELECT NULL::VARCHAR AS client_id, NULL::VARCHAR AS batch_id, NULL::TIMESTAMPTZ AS processed_at WHERE false`
    : clients.map((c) => `SELECT client_id, batch_id, processed_at FROM ${sqlIdent(tableName[layer](c))}`).join(' UNION ALL ');
}

/** Health: figures from the lake, state and backlog from the client workflows (when reachable). */
export function healthMonitorViewSql(clients: readonly string[]): string {
  return `CREATE OR REPLACE VIEW pipeline_health_monitor AS
    WITH raw AS (SELECT client_id, count(*) AS records_raw FROM kafka_raw_bronze WHERE client_id IS NOT NULL GROUP BY ALL),
    bronze AS (SELECT client_id, count(*) AS records_bronze, count(DISTINCT batch_id) AS batches_ok, max(processed_at) AS last_batch_at FROM (${perClient(clients, 'bronze')}) GROUP BY ALL),
    silver AS (SELECT client_id, count(*) AS records_silver FROM (${perClient(clients, 'silver')}) GROUP BY ALL),
    errs AS (SELECT client_id,
                    count(*) FILTER (WHERE layer IN ('bronze', 'silver')) AS records_dropped,
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
           live.gold_lag_seconds,
           live.last_gold_delay_seconds,
           errs.last_error
    FROM raw LEFT JOIN bronze USING (client_id) LEFT JOIN silver USING (client_id) LEFT JOIN errs USING (client_id)
         LEFT JOIN ${LIVE_STATE_TABLE} AS live USING (client_id)
    ORDER BY raw.client_id`;
}
