/**
 * Column layouts of the tables the activities write. Pure. Staging tables in DuckDB use these
 * columns; the Parquet files are exactly these columns in this order. SQL text lives in sql.ts
 * (building blocks), gold-sql.ts, layer-sql.ts and view-sql.ts.
 */

/** One value of a staged row, as the lake adapter appends it (timestamps as epoch microseconds, UTC). */
export type Cell = string | number | bigint | null | readonly string[];

/**
 * Timestamps are TIMESTAMPTZ: instants, written to Parquet as UTC-adjusted, so Spark, pandas and
 * pyarrow read the same instant instead of a naive local wall-clock time.
 */
export type ColumnType = 'VARCHAR' | 'INTEGER' | 'BIGINT' | 'DOUBLE' | 'TIMESTAMPTZ' | 'VARCHAR[]';
export type Columns = ReadonlyArray<readonly [name: string, type: ColumnType]>;

export const RAW_COLUMNS: Columns = [
  ['topic', 'VARCHAR'],
  ['partition', 'INTEGER'],
  ['offset', 'BIGINT'],
  ['key', 'VARCHAR'],
  ['value', 'VARCHAR'],
  ['value_bytes', 'INTEGER'],
  ['kafka_timestamp', 'TIMESTAMPTZ'],
  /** The message's client_id when it is a valid id, else null. */
  ['client_id', 'VARCHAR'],
  ['batch_id', 'VARCHAR'],
  ['ingested_at', 'TIMESTAMPTZ'],
];

/** Columns of RAW_COLUMNS that hold one value in all the rows of a batch. */
export const RAW_PER_BATCH = ['topic', 'batch_id', 'ingested_at'] as const;

/**
 * Rows per row group of a raw batch file, whose rows are sorted by client: a client's slice of
 * a batch then spans a few groups, and a client's run skips the others by their statistics.
 * DuckDB's vector size; smaller groups would only add metadata.
 */
export const RAW_ROW_GROUP_ROWS = 2048;

export const BRONZE_COLUMNS: Columns = [
  ['client_id', 'VARCHAR'],
  ['event_timestamp', 'TIMESTAMPTZ'],
  ['value', 'VARCHAR'],
  ['topic', 'VARCHAR'],
  ['partition', 'INTEGER'],
  ['offset', 'BIGINT'],
  ['kafka_timestamp', 'TIMESTAMPTZ'],
  ['batch_id', 'VARCHAR'],
  ['processed_at', 'TIMESTAMPTZ'],
];

export const SILVER_COLUMNS: Columns = [
  ['client_id', 'VARCHAR'],
  ['client_name', 'VARCHAR'],
  ['event_type', 'VARCHAR'],
  ['status', 'VARCHAR'],
  ['amount', 'DOUBLE'],
  ['event_timestamp', 'TIMESTAMPTZ'],
  ['source', 'VARCHAR'],
  ['region', 'VARCHAR'],
  ['data', 'VARCHAR'],
  ['metadata', 'VARCHAR'],
  ['topic', 'VARCHAR'],
  ['partition', 'INTEGER'],
  ['offset', 'BIGINT'],
  ['batch_id', 'VARCHAR'],
  ['processed_at', 'TIMESTAMPTZ'],
];

/** Columns of SILVER_COLUMNS that hold one value in all the rows of a client's batch. */
export const SILVER_PER_BATCH = ['client_id', 'topic', 'batch_id', 'processed_at'] as const;

export const ERROR_COLUMNS: Columns = [
  ['error_timestamp', 'TIMESTAMPTZ'],
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
  ['recorded_at', 'TIMESTAMPTZ'],
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
  ['window_start', 'TIMESTAMPTZ'],
  ['window_end', 'TIMESTAMPTZ'],
  ['event_type', 'VARCHAR'],
  ['event_count', 'BIGINT'],
  ['total_amount', 'DOUBLE'],
  ['avg_amount', 'DOUBLE'],
  ['min_amount', 'DOUBLE'],
  ['max_amount', 'DOUBLE'],
];
