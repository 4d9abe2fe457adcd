/** The queries the bronze and silver activities read their input and write their rows with. Pure. */
import { sqlInstantMicros, sqlString } from './sql';
import type { Columns } from './tables';

/** One client's records of a raw batch file, in Kafka order. Binds `$client`. */
export function clientRawRecordsSql(rawFile: string): string {
  return `SELECT "partition", "offset", value
          FROM read_parquet(${sqlString(rawFile)}) WHERE client_id = $client ORDER BY "partition", "offset"`;
}

/**
 * The records of a client's bronze batch, in Kafka order: the batch's own file, or a compacted
 * segment holding it among others (`batchId` given).
 */
export function bronzeRecordsSql(bronzeFile: string, batchId: string | null = null): string {
  const only = batchId === null ? '' : ` WHERE batch_id = ${sqlString(batchId)}`;
  return `SELECT "partition", "offset", value, epoch_us(event_timestamp) AS event_us
          FROM read_parquet(${sqlString(bronzeFile)})${only} ORDER BY "partition", "offset"`;
}

/** What bronze stages per kept record: its key in the raw batch and the event time its rules read. */
export const BRONZE_KEPT_COLUMNS: Columns = [
  ['partition', 'INTEGER'],
  ['offset', 'BIGINT'],
  ['event_timestamp', 'TIMESTAMPTZ'],
];

/**
 * A client's bronze rows of a raw batch, in BRONZE_COLUMNS order: the kept records (the query
 * `keptRows`, of BRONZE_KEPT_COLUMNS), with every other column, the value above all, read from
 * the raw file itself. The values never travel from JavaScript back into DuckDB: they are most of
 * a batch's bytes.
 */
export function bronzeRowsSql(
  keptRows: string,
  rawFile: string,
  row: { clientId: string; topic: string; batchId: string; processedMicros: bigint },
): string {
  const client = sqlString(row.clientId);
  return `SELECT ${client}::VARCHAR AS client_id, k.event_timestamp, r.value, ${sqlString(row.topic)}::VARCHAR AS topic,
                 r."partition", r."offset", r.kafka_timestamp, ${sqlString(row.batchId)}::VARCHAR AS batch_id,
                 ${sqlInstantMicros(row.processedMicros)} AS processed_at
          FROM (${keptRows}) k
          JOIN read_parquet(${sqlString(rawFile)}) r ON r."partition" = k."partition" AND r."offset" = k."offset" AND r.client_id = ${client}
          ORDER BY k."partition", k."offset"`;
}
