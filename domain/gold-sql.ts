/**
 * Gold's SQL: which slices (UTC days) a batch touches, and the hourly aggregates of a slice.
 * Pure.
 */
import { goldSliceName } from './gold-slice';
import type { GoldSlice } from './gold-slice';
import { sqlString } from './sql';
import { MAX_AMOUNT } from './rules';

/**
 * Amounts up to this are summed as DECIMAL(38, 9): exact, so gold does not depend on the order
 * rows are added in. valid_amount admits no larger ones; silver files written before it did are
 * summed as doubles instead of overflowing the decimal.
 */
export const EXACT_AMOUNT_LIMIT = MAX_AMOUNT;

/**
 * Gold: hourly aggregates of one slice of a client's silver rows. Null amounts are ignored by the
 * four amount columns, as SQL aggregates do.
 */
export function goldSliceSql(silverGlob: string, slice: GoldSlice): string {
  const exact = `sum(CASE WHEN abs(amount) <= ${EXACT_AMOUNT_LIMIT} THEN amount::DECIMAL(38, 9) END)`;
  const huge = `sum(CASE WHEN abs(amount) > ${EXACT_AMOUNT_LIMIT} THEN amount END)`;
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
