/**
 * Column layouts of the tables the activities write. Pure. Staging tables in DuckDB use these
 * columns; the Parquet files are exactly these columns in this order.
 */

/** One value of a staged row, as the lake adapter appends it (timestamps as epoch microseconds). */
export type Cell = string | number | bigint | null | readonly string[];

export type ColumnType = 'VARCHAR' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'TIMESTAMP' | 'VARCHAR[]';
export type Columns = ReadonlyArray<readonly [name: string, type: ColumnType]>;

export const RAW_COLUMNS: Columns = [
  ['topic', 'VARCHAR'],
  ['partition', 'INTEGER'],
  ['offset', 'BIGINT'],
  ['key', 'VARCHAR'],
  ['value', 'VARCHAR'],
  ['value_bytes', 'INTEGER'],
  ['kafka_timestamp', 'TIMESTAMP'],
  /** The message's client_id when it is a valid id, else null. */
  ['client_id', 'VARCHAR'],
  ['batch_id', 'VARCHAR'],
  ['ingested_at', 'TIMESTAMP'],
];

export const BRONZE_COLUMNS: Columns = [
  ['client_id', 'VARCHAR'],
  ['event_timestamp', 'TIMESTAMP'],
  ['value', 'VARCHAR'],
  ['topic', 'VARCHAR'],
  ['partition', 'INTEGER'],
  ['offset', 'BIGINT'],
  ['kafka_timestamp', 'TIMESTAMP'],
  ['batch_id', 'VARCHAR'],
  ['processed_at', 'TIMESTAMP'],
];

export const SILVER_COLUMNS: Columns = [
  ['client_id', 'VARCHAR'],
  ['client_name', 'VARCHAR'],
  ['event_type', 'VARCHAR'],
  ['status', 'VARCHAR'],
  ['amount', 'DOUBLE'],
  ['event_timestamp', 'TIMESTAMP'],
  ['source', 'VARCHAR'],
  ['region', 'VARCHAR'],
  ['data', 'VARCHAR'],
  ['metadata', 'VARCHAR'],
  ['topic', 'VARCHAR'],
  ['partition', 'INTEGER'],
  ['offset', 'BIGINT'],
  ['batch_id', 'VARCHAR'],
  ['processed_at', 'TIMESTAMP'],
];

export const ERROR_COLUMNS: Columns = [
  ['error_timestamp', 'TIMESTAMP'],
  ['client_id', 'VARCHAR'],
  ['layer', 'VARCHAR'],
  ['table_name', 'VARCHAR'],
  ['rules', 'VARCHAR[]'],
  ['error_message', 'VARCHAR'],
  ['batch_id', 'VARCHAR'],
  ['topic', 'VARCHAR'],
  ['partition', 'INTEGER'],
  ['offset', 'BIGINT'],
  ['raw_value', 'VARCHAR'],
];

export const METRIC_COLUMNS: Columns = [
  ['recorded_at', 'TIMESTAMP'],
  ['batch_id', 'VARCHAR'],
  ['client_id', 'VARCHAR'],
  ['layer', 'VARCHAR'],
  ['rule', 'VARCHAR'],
  ['action', 'VARCHAR'],
  ['records_checked', 'BIGINT'],
  ['records_passed', 'BIGINT'],
  ['records_failed', 'BIGINT'],
];

export const GOLD_COLUMNS: Columns = [
  ['window_start', 'TIMESTAMP'],
  ['window_end', 'TIMESTAMP'],
  ['event_type', 'VARCHAR'],
  ['event_count', 'BIGINT'],
  ['total_amount', 'DOUBLE'],
  ['avg_amount', 'DOUBLE'],
  ['min_amount', 'DOUBLE'],
  ['max_amount', 'DOUBLE'],
];

/** A SQL string literal. Only for paths and names the pipeline built itself; values are bound. */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A quoted SQL identifier (client ids may hold `-`). */
export function sqlIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function createTableSql(table: string, columns: Columns, temp = true): string {
  const cols = columns.map(([name, type]) => `${sqlIdent(name)} ${type}`).join(', ');
  return `CREATE ${temp ? 'TEMP ' : ''}TABLE ${sqlIdent(table)} (${cols})`;
}

/** An empty relation with a table's columns, for views over tables that have no files yet. */
export function emptyRelationSql(columns: Columns): string {
  return `SELECT ${columns.map(([name, type]) => `NULL::${type} AS ${sqlIdent(name)}`).join(', ')} WHERE false`;
}

/**
 * Amounts below this are summed as DECIMAL(38, 9): exact, so gold does not depend on the order
 * rows are added in. Larger (still valid) amounts would overflow the decimal and are summed as
 * doubles instead; they are far outside any real money value.
 */
export const EXACT_AMOUNT_LIMIT = 1e15;

/** Which silver rows one gold file covers: one UTC day, or the rows without an event time. */
export type GoldSlice = { day: string } | { undated: true };

/** File name (without folder) of a gold slice. */
export function goldSliceName(slice: GoldSlice): string {
  if (!('day' in slice)) return 'undated';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(slice.day)) throw new Error(`invalid day ${JSON.stringify(slice.day)}`);
  return slice.day;
}

/**
 * Gold: hourly aggregates of one slice of a client's silver rows. Null amounts are ignored by the
 * four amount columns, as SQL aggregates do.
 */
export function goldSliceSql(silverGlob: string, slice: GoldSlice): string {
  const exact = `sum(CASE WHEN abs(amount) < ${EXACT_AMOUNT_LIMIT} THEN amount::DECIMAL(38, 9) END)`;
  const huge = `sum(CASE WHEN abs(amount) >= ${EXACT_AMOUNT_LIMIT} THEN amount END)`;
  const total = `(CASE WHEN count(amount) = 0 THEN NULL ELSE coalesce(${exact}::DOUBLE, 0) + coalesce(${huge}, 0) END)`;
  let where: string;
  if ('day' in slice) {
    goldSliceName(slice); // validates the day before it becomes SQL text
    where = `event_timestamp >= TIMESTAMP '${slice.day}' AND event_timestamp < TIMESTAMP '${slice.day}' + INTERVAL 1 DAY`;
  } else {
    where = 'event_timestamp IS NULL';
  }
  return `
    SELECT
      date_trunc('hour', event_timestamp) AS window_start,
      date_trunc('hour', event_timestamp) + INTERVAL 1 HOUR AS window_end,
      event_type,
      count(*)::BIGINT AS event_count,
      ${total} AS total_amount,
      ${total} / count(amount) AS avg_amount,
      min(amount) AS min_amount,
      max(amount) AS max_amount
    FROM read_parquet(${sqlString(silverGlob)})
    WHERE ${where}
    GROUP BY ALL
    ORDER BY window_start, event_type`;
}

/** The gold slices a set of silver files touches. */
export function touchedSlicesSql(silverFiles: readonly string[]): string {
  return `SELECT DISTINCT strftime(event_timestamp, '%Y-%m-%d') AS day
          FROM read_parquet([${silverFiles.map(sqlString).join(', ')}])`;
}
