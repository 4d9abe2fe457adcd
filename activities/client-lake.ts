/**
 * What the bronze and silver activities share: reading a client's input rows and writing a
 * layer's outputs (kept rows, error rows, quality metrics) for one batch.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Cell } from '../lib/duck';
import { stageRows, writeParquet, writeParquetOrRemove } from '../lib/duck';
import { exists } from '../lib/files';
import { tableName } from '../lib/lake-layout';
import type { LakeLayout } from '../lib/lake-layout';
import { boundedRawValue } from '../lib/event';
import { failureMessage, metricRows } from '../lib/quality';
import type { LayerResult } from '../lib/quality';
import { isValidClientId } from '../lib/rules';
import { ERROR_COLUMNS, METRIC_COLUMNS } from '../lib/tables';
import type { Columns } from '../lib/tables';
import type { BatchRef, LayerCounts } from '../workflows/types';

/**
 * Refuses to touch a lake other than the workflow's. Retryable: another worker, with the right
 * lake, can take the task; the message says what is misconfigured.
 */
export function assertSameLake(expected: string | undefined, own: { lakeId: string; lakeDir: string }): void {
  if (expected !== undefined && expected !== own.lakeId) {
    throw ApplicationFailure.retryable(
      `this worker's lake ${own.lakeDir} (id ${own.lakeId}) is not the lake of this workflow (id ${expected}): a worker configured with another lake polls this task queue`,
      'WrongLake',
    );
  }
}

export function assertClientId(clientId: string): void {
  if (!isValidClientId(clientId)) throw ApplicationFailure.nonRetryable(`invalid client id ${JSON.stringify(clientId)}`, 'InvalidInput');
}

export async function requireFile(path: string, what: string): Promise<void> {
  if (!(await exists(path))) throw ApplicationFailure.nonRetryable(`${what} ${path} does not exist`, 'RawBatchMissing');
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
      type: 'DataQualityFailure',
      nonRetryable: true,
      details: [{ layer, clientId, batchId: batch.batchId, records: result.failing.length }],
    });
  }
  const table = layer === 'bronze' ? tableName.bronze(clientId) : tableName.silver(clientId);
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
