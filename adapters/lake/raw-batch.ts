/**
 * A raw batch's file, as the ingest lands it and as the benchmark and tests land one: the routed
 * rows sorted by client, in small row groups, so that each client's run reads only the few
 * groups its slice spans, not every value of the batch (with 100 clients, a fiftieth of it).
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { RAW_COLUMNS, RAW_PER_BATCH, RAW_ROW_GROUP_ROWS } from '../../domain/tables';
import type { Cell } from '../../domain/tables';
import { stageRows, writeParquetFile } from './duck';

/** Writes (and commits) `file` from a batch's raw rows; its row count and identity, for the hand-off of its routed records. */
export async function writeRawBatchFile(conn: DuckDBConnection, rawRows: ReadonlyArray<readonly Cell[]>, file: string): Promise<{ rows: number; identity: string }> {
  const raw = await stageRows(conn, 'raw', RAW_COLUMNS, rawRows, RAW_PER_BATCH);
  return writeParquetFile(conn, `${raw} ORDER BY client_id NULLS LAST, "partition", "offset"`, file, { rowGroupRows: RAW_ROW_GROUP_ROWS });
}
