/** The queries the bronze and silver activities read their input with. Pure. */
import { sqlString } from './sql';

/** One client's records of a raw batch file, in Kafka order. Binds `$client`. */
export function clientRawRecordsSql(rawFile: string): string {
  return `SELECT "partition", "offset", value, epoch_us(kafka_timestamp) AS kafka_us
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
