/**
 * Gold's SQL. Pure. Gold is kept through a state per slice (one UTC day, or the undated rows):
 * per hour and event type, the counts, the exact sum, min and max of the amounts. States merge
 * (counts and sums add, min and max combine), so a run adds its own rows' state to the slice's
 * and gold follows from the result: the work per run follows the run's rows, not how much the
 * day already holds. Gold is always finalGoldSql over the state of every silver row of the slice.
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

/** The rows of a slice, as a condition on silver's event_timestamp. */
function sliceWhere(slice: GoldSlice): string {
  if (!('day' in slice)) return 'event_timestamp IS NULL';
  goldSliceName(slice); // validates the day before it becomes SQL text
  return `event_timestamp >= TIMESTAMP '${slice.day}' AND event_timestamp < TIMESTAMP '${slice.day}' + INTERVAL 1 DAY`;
}

/** A batch id's sequence number (`<topic>.<seq>`), as SQL over a `batch_id` column; null for any other id. */
const BATCH_SEQ = `TRY_CAST(regexp_extract(batch_id, '\\.(\\d+)$', 1) AS BIGINT)`;

/**
 * The gold state of one slice of some silver files (a glob, or a list): per hour and event type.
 * `merged_through` is the newest batch whose rows the state holds (see activities/gold.ts).
 */
export function goldStateSql(silver: string | readonly string[], slice: GoldSlice): string {
  const source = typeof silver === 'string' ? sqlString(silver) : `[${silver.map(sqlString).join(', ')}]`;
  return `
    WITH groups AS (
      SELECT
        date_trunc('hour', event_timestamp) AS window_start,
        event_type,
        count(*)::BIGINT AS event_count,
        count(amount)::BIGINT AS amount_count,
        sum(CASE WHEN abs(amount) <= ${EXACT_AMOUNT_LIMIT} THEN amount::DECIMAL(38, 9) END)::DECIMAL(38, 9) AS exact_sum,
        sum(CASE WHEN abs(amount) > ${EXACT_AMOUNT_LIMIT} THEN amount END) AS huge_sum,
        min(amount) AS min_amount,
        max(amount) AS max_amount,
        arg_max(batch_id, ${BATCH_SEQ}) AS newest_batch,
        max(${BATCH_SEQ}) AS newest_seq
      FROM read_parquet(${source}, union_by_name = true)
      WHERE ${sliceWhere(slice)}
      GROUP BY ALL)
    SELECT * EXCLUDE (newest_batch, newest_seq), arg_max(newest_batch, newest_seq) OVER () AS merged_through FROM groups`;
}

/** Two states of a slice as one (`a` and `b`: relations of goldStateSql's columns), holding batches through `through`. */
export function mergedGoldStateSql(a: string, b: string, through: string): string {
  return `
    SELECT window_start, event_type,
      sum(event_count)::BIGINT AS event_count,
      sum(amount_count)::BIGINT AS amount_count,
      sum(exact_sum)::DECIMAL(38, 9) AS exact_sum,
      sum(huge_sum) AS huge_sum,
      min(min_amount) AS min_amount,
      max(max_amount) AS max_amount,
      ${sqlString(through)} AS merged_through
    FROM (SELECT * EXCLUDE (merged_through) FROM ${a} UNION ALL BY NAME SELECT * EXCLUDE (merged_through) FROM ${b})
    GROUP BY window_start, event_type`;
}

/** Gold rows from a state: hourly aggregates per event type. Null amounts are ignored, as SQL aggregates do. */
export function finalGoldSql(state: string): string {
  const total = `(CASE WHEN amount_count = 0 THEN NULL ELSE coalesce(exact_sum::DOUBLE, 0) + coalesce(huge_sum, 0) END)`;
  return `
    SELECT
      window_start,
      window_start + INTERVAL 1 HOUR AS window_end,
      event_type,
      event_count,
      ${total} AS total_amount,
      ${total} / amount_count AS avg_amount,
      min_amount,
      max_amount
    FROM ${state}
    ORDER BY window_start, event_type`;
}

/** Gold of one slice straight from silver files: what the state route must always equal. */
export function goldSliceSql(silverGlob: string, slice: GoldSlice): string {
  return finalGoldSql(`(${goldStateSql(silverGlob, slice)})`);
}

/** The gold slices a set of silver files touches. */
export function touchedSlicesSql(silverFiles: readonly string[]): string {
  return `SELECT DISTINCT strftime(event_timestamp, '%Y-%m-%d') AS day
          FROM read_parquet([${silverFiles.map(sqlString).join(', ')}])`;
}
