/**
 * What the bronze and silver activities share: going through the batches of a run, reading a
 * client's input rows and writing a layer's outputs (kept rows, error rows, quality metrics)
 * for one batch.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../contract/errors';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Cell } from '../domain/tables';
import { stageRows, withConnection, writeParquet, writeRowsOrRemove } from '../adapters/lake/duck';
import { withPublishFence } from '../adapters/lake/fence';
import { tableName } from '../domain/lake-layout';
import type { LakeLayout } from '../domain/lake-layout';
import { boundedRawValue } from '../domain/event';
import { failureMessage, metricRows } from '../domain/quality';
import type { LayerResult } from '../domain/quality';
import { ERROR_COLUMNS, METRIC_COLUMNS } from '../domain/tables';
import type { Columns } from '../domain/tables';
import type { BatchRef, ClientBatchInput, ClientRunInput, LayerCounts } from '../contract/types';
import { notDiscardedSince } from './discarded';
import { whileHeartbeating } from './heartbeat';

/** The staging table of a layer's kept rows (see LayerOutput). */
const LAYER_ROWS = 'layer_rows';

/** A single batch as a run of one: the single-batch activities are runs of one. */
export function runOfOne({ batch, ...rest }: ClientBatchInput): ClientRunInput {
  return { ...rest, batches: [batch] };
}

/** The one result of a run of one. */
export function onlyResult<T>(results: readonly T[]): T {
  const [only] = results;
  if (only === undefined || results.length !== 1) throw new Error(`a run of one batch returned ${results.length} results`);
  return only;
}

/**
 * Does a layer's work for each batch of a run, in order, on one connection and under one
 * heartbeat. Each batch publishes inside a fence of its own, so a batch compensated meanwhile
 * refuses its own files only once this attempt's work reaches it. Work that goes through more
 * than one layer says when it `enter`s the next, so the heartbeat names the layer it is in.
 */
export function forEachBatch<T>(
  db: DuckDBInstance,
  layout: LakeLayout,
  run: { clientId: string; batches: readonly BatchRef[]; layer: 'bronze' | 'silver' },
  work: (conn: DuckDBConnection, batch: BatchRef, enter: (layer: 'bronze' | 'silver') => void) => Promise<T>,
): Promise<T[]> {
  const { clientId, batches } = run;
  // The layer rides in every heartbeat: a timed-out run through all layers is told by it.
  return whileHeartbeating((beat, fence) =>
    withConnection(db, async (conn) => {
      const results: T[] = [];
      for (const [done, batch] of batches.entries()) {
        const enter = (layer: 'bronze' | 'silver') => beat({ layer, batch: batch.batchId, done, of: batches.length });
        enter(run.layer);
        results.push(await withPublishFence(fence, () => work(conn, batch, enter), notDiscardedSince(layout, { clientId, batch })));
      }
      return results;
    }),
  );
}

/** A record of a layer's input, with what an error row needs of it. */
export interface LayerRecord {
  partition: number;
  offset: bigint;
  /** The raw JSON text, kept (bounded) in pipeline_errors. */
  value: string;
}

export interface LayerOutput<T extends LayerRecord> {
  layer: 'bronze' | 'silver';
  clientId: string;
  batch: BatchRef;
  result: LayerResult<T>;
  total: number;
  /**
   * The layer's own table: what is staged per kept record (the columns named in `sameInEveryRow`
   * once for all, see stageRows), the query that makes the table's rows from the query reading
   * the staged rows back (by default, that query itself), and its file.
   */
  columns: Columns;
  toRow: (record: T) => Cell[];
  sameInEveryRow?: readonly string[];
  rowsSql?: (stagedRows: string) => string;
  file: string;
  rawValueChars: number;
  nowMicros: bigint;
}

/**
 * Fails the batch (permanently) when a `fail` rule was broken; otherwise writes the layer's
 * table, one pipeline_errors row per dropped record and the quality metrics.
 */
export async function writeLayer<T extends LayerRecord>(conn: DuckDBConnection, layout: LakeLayout, out: LayerOutput<T>): Promise<LayerCounts> {
  const { layer, clientId, batch, result, nowMicros } = out;
  if (result.failing.length > 0) {
    throw ApplicationFailure.create({
      message: failureMessage(result.failing, out.total),
      type: ErrorType.DataQualityFailure,
      nonRetryable: true,
      details: [{ layer, clientId, batchId: batch.batchId, records: result.failing.length }],
    });
  }
  const table = tableName[layer](clientId);
  const errorRows = result.dropped.map((d): Cell[] => [
    nowMicros,
    clientId,
    layer,
    table,
    [...d.broken],
    d.reasons.join('; '),
    batch.batchId,
    batch.topic,
    d.record.partition,
    d.record.offset,
    boundedRawValue(Buffer.from(d.record.value, 'utf8'), out.rawValueChars),
  ]);
  const staged = await stageRows(conn, LAYER_ROWS, out.columns, result.kept.map(out.toRow), out.sameInEveryRow);
  // The layer's file is written even when empty: its presence says the batch went through.
  await writeParquet(conn, out.rowsSql ? out.rowsSql(staged) : staged, out.file);
  await writeRowsOrRemove(conn, 'layer_errors', ERROR_COLUMNS, errorRows, layout.errorsFile(layer, clientId, batch.batchId));
  const metrics = metricRows(result.metrics, { nowMicros, batchId: batch.batchId, clientId, layer });
  await writeRowsOrRemove(conn, 'layer_metrics', METRIC_COLUMNS, metrics, layout.metricsFile(layer, clientId, batch.batchId));
  return { records: out.total, passed: result.kept.length, dropped: result.dropped.length, warned: result.warned };
}
