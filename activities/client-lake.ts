/**
 * What the bronze and silver activities share: reading a client's input rows and writing a
 * layer's outputs (kept rows, error rows, quality metrics) for one batch.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../contract/errors';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Cell } from '../domain/tables';
import { stageRows, writeParquet, writeParquetOrRemove } from '../adapters/lake/duck';
import { tableName } from '../domain/lake-layout';
import type { LakeLayout } from '../domain/lake-layout';
import { boundedRawValue } from '../domain/event';
import { failureMessage, metricRows } from '../domain/quality';
import type { LayerResult } from '../domain/quality';
import { ERROR_COLUMNS, METRIC_COLUMNS } from '../domain/tables';
import type { Columns } from '../domain/tables';
import type { BatchRef, LayerCounts } from '../contract/types';

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
  /** The layer's own table: its columns, a row per kept record, and its file. */
  columns: Columns;
  toRow: (record: T) => Cell[];
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
  await stageRows(conn, 'layer_rows', out.columns, result.kept.map(out.toRow));
  // The layer's file is written even when empty: its presence says the batch went through.
  await writeParquet(conn, 'SELECT * FROM layer_rows', out.file);
  await stageRows(conn, 'layer_errors', ERROR_COLUMNS, errorRows);
  await writeParquetOrRemove(conn, 'layer_errors', layout.errorsFile(layer, clientId, batch.batchId));
  await stageRows(conn, 'layer_metrics', METRIC_COLUMNS, metricRows(result.metrics, { nowMicros, batchId: batch.batchId, clientId, layer }));
  await writeParquetOrRemove(conn, 'layer_metrics', layout.metricsFile(layer, clientId, batch.batchId));
  return { records: out.total, passed: result.kept.length, dropped: result.dropped.length, warned: result.warned };
}
