/**
 * Gold's SQL: which slices (UTC days) a batch touches, and the hourly aggregates of a slice.
 * Pure.
 */
import { goldSliceName, sliceHours } from './gold-slice';
import type { GoldSlice } from './gold-slice';
import { sqlString } from './sql';
import { MAX_AMOUNT } from './rules';

/**
 * Amounts up to this are summed as DECIMAL(38, 9): exact, so gold does not depend on the order
 * rows are added in. valid_amount admits no larger ones; silver files written before it did are
 * summed as doubles instead of overflowing the decimal.
 */
export const EXACT_AMOUNT_LIMIT = MAX_AMOUNT;

/** Hourly aggregates of the silver rows `where` selects. Null amounts are ignored by the four amount columns, as SQL aggregates do. */
function hourlyAggregatesSql(silverGlob: string, where: string): string {
  const exact = `sum(CASE WHEN abs(amount) <= ${EXACT_AMOUNT_LIMIT} THEN amount::DECIMAL(38, 9) END)`;
  const huge = `sum(CASE WHEN abs(amount) > ${EXACT_AMOUNT_LIMIT} THEN amount END)`;
  const total = `(CASE WHEN count(amount) = 0 THEN NULL ELSE coalesce(${exact}::DOUBLE, 0) + coalesce(${huge}, 0) END)`;
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
    GROUP BY ALL`;
}

/** Gold: hourly aggregates of one slice of a client's silver rows (every hour of a day). */
export function goldSliceSql(silverGlob: string, slice: GoldSlice): string {
  let where: string;
  if ('day' in slice) {
    goldSliceName(slice); // validates the day before it becomes SQL text
    where = `event_timestamp >= TIMESTAMP '${slice.day}' AND event_timestamp < TIMESTAMP '${slice.day}' + INTERVAL 1 DAY`;
  } else {
    where = 'event_timestamp IS NULL';
  }
  return `${hourlyAggregatesSql(silverGlob, where)}
    ORDER BY window_start, event_type`;
}

/**
 * Gold of a day where only some hours changed: the day's file as it is for the other hours, and
 * those hours recomputed from the silver rows of those hours only (one range of event time, so
 * Parquet readers skip the files and row groups outside it). The result equals goldSliceSql of
 * the whole day as long as the day's file did.
 */
export function goldHoursSql(silverGlob: string, dayFile: string, slice: { day: string; hours: readonly string[] }): string {
  goldSliceName(slice);
  const hours = [...(sliceHours(slice) ?? [])].sort();
  const [first, last] = [hours[0], hours[hours.length - 1]];
  if (first === undefined || last === undefined) throw new Error(`no hours of ${slice.day} to recompute`);
  const list = hours.map(Number).join(', ');
  const within = `event_timestamp >= TIMESTAMP '${slice.day} ${first}:00:00' AND event_timestamp < TIMESTAMP '${slice.day} ${last}:00:00' + INTERVAL 1 HOUR`;
  return `
    SELECT * FROM read_parquet(${sqlString(dayFile)}) WHERE hour(window_start) NOT IN (${list})
    UNION ALL BY NAME
    (${hourlyAggregatesSql(silverGlob, `${within} AND hour(event_timestamp) IN (${list})`)})
    ORDER BY window_start, event_type`;
}

/** The gold slices a set of silver files touches, with the hours of each day. */
export function touchedSlicesSql(silverFiles: readonly string[]): string {
  return `SELECT strftime(event_timestamp, '%Y-%m-%d') AS day, list(DISTINCT strftime(event_timestamp, '%H')) AS hours
          FROM read_parquet([${silverFiles.map(sqlString).join(', ')}]) GROUP BY ALL`;
}
