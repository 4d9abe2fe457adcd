/** The queries the bronze and silver activities read their input with. Pure. */
import { sqlString } from './sql';

/** One client's records of a raw batch file, in Kafka order. Binds `$client`. */
export function clientRawRecordsSql(rawFile: string): string {
  return `SELECT "partition", "offset", value, epoch_us(kafka_timestamp) AS kafka_us
          FROM read_parquet(${sqlString(rawFile)}) WHERE client_id = $client ORDER BY "partition", "offset"`;
}

/** The records of a client's bronze batch file, in Kafka order. */
export function bronzeRecordsSql(bronzeFile: string): string {
  return `SELECT "partition", "offset", value, epoch_us(event_timestamp) AS event_us
          FROM read_parquet(${sqlString(bronzeFile)}) ORDER BY "partition", "offset"`;
}
