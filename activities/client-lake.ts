/**
 * What the bronze and silver activities share: reading a client's input rows and writing a
 * layer's outputs (kept rows, error rows, quality metrics) for one batch.
 */
import { ApplicationFailure } from '@temporalio/activity';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { Cell } from '../lib/duck';
import { stageRows, writeParquet, writeParquetOrRemove } from '../lib/duck';
import { exists } from '../lib/files';
import type { Layer, LakeLayout } from '../lib/lake-layout';
import { failureMessage } from '../lib/quality';
import type { LayerResult } from '../lib/quality';
import { isValidClientId } from '../lib/rules';
import { ERROR_COLUMNS, METRIC_COLUMNS } from '../lib/tables';
import type { Columns } from '../lib/tables';

export function assertClientId(clientId: string): void {
  if (!isValidClientId(clientId)) throw ApplicationFailure.nonRetryable(`invalid client id ${JSON.stringify(clientId)}`, 'InvalidInput');
}

export async function requireFile(path: string, what: string): Promise<void> {
  if (!(await exists(path))) throw ApplicationFailure.nonRetryable(`${what} ${path} does not exist`, 'RawBatchMissing');
}

export interface LayerOutput<T extends { partition: number; offset: bigint }> {
  layer: Layer;
  clientId: string;
  batchId: string;
  result: LayerResult<T>;
  total: number;
  /** Rows of the layer's own table, and where they go. */
  columns: Columns;
  toRow: (record: T) => Cell[];
  file: string;
  /** pipeline_errors row of a dropped record. */
  toErrorRow: (dropped: LayerResult<T>['dropped'][number]) => Cell[];
  metricRows: Cell[][];
}

/** Fails the batch (permanently) when a `fail` rule was broken; otherwise writes every output. */
export async function writeLayer<T extends { partition: number; offset: bigint }>(
  conn: DuckDBConnection,
  layout: LakeLayout,
  out: LayerOutput<T>,
): Promise<void> {
  if (out.result.failing.length > 0) {
    throw ApplicationFailure.create({
      message: failureMessage(out.result.failing, out.total),
      type: 'DataQualityFailure',
      nonRetryable: true,
      details: [{ layer: out.layer, clientId: out.clientId, batchId: out.batchId, records: out.result.failing.length }],
    });
  }
  await stageRows(conn, 'layer_rows', out.columns, out.result.kept.map(out.toRow));
  // The layer's file is written even when empty: its presence says the batch went through.
  await writeParquet(conn, 'SELECT * FROM layer_rows', out.file);
  await stageRows(conn, 'layer_errors', ERROR_COLUMNS, out.result.dropped.map(out.toErrorRow));
  await writeParquetOrRemove(conn, 'layer_errors', layout.errorsFile(out.layer, out.clientId, out.batchId));
  await stageRows(conn, 'layer_metrics', METRIC_COLUMNS, out.metricRows);
  await writeParquetOrRemove(conn, 'layer_metrics', layout.metricsFile(out.layer, out.clientId, out.batchId));
}
