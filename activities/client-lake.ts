/**
 * What the bronze and silver activities share: going through the batches of a run, staging a
 * layer's outputs (kept rows, error rows, quality metrics) batch by batch, and writing them for
 * the batches of a run together.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../contract/errors';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import type { Cell } from '../domain/tables';
import { stageRows, withConnection, writeParquet, writeRowsOrRemove } from '../adapters/lake/duck';
import { exists, removeFile } from '../adapters/lake/files';
import { listRunBatches, removeWithList, runFileName } from '../adapters/lake/segments';
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
 * Does one layer's work for each batch of a run, in order, on one connection and under one
 * heartbeat, each batch's files written on their own (the activities of one layer, and a
 * refresh, work batch by batch). Each batch publishes inside a fence of its own, so a batch
 * compensated meanwhile refuses its own files only once this attempt's work reaches it.
 */
export function forEachBatch<T>(
  db: DuckDBInstance,
  layout: LakeLayout,
  run: { clientId: string; batches: readonly BatchRef[]; layer: 'bronze' | 'silver' },
  work: (conn: DuckDBConnection, batch: BatchRef) => Promise<T>,
): Promise<T[]> {
  const { clientId, batches } = run;
  return whileHeartbeating((beat, fence) =>
    withConnection(db, async (conn) => {
      const results: T[] = [];
      for (const [done, batch] of batches.entries()) {
        beat({ layer: run.layer, batch: batch.batchId, done, of: batches.length });
        results.push(await withPublishFence(fence, () => work(conn, batch), notDiscardedSince(layout, { clientId, batch })));
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
   * The layer's own table: what is staged per kept record (as the table `staging`; the columns
   * named in `sameInEveryRow` once for all, see stageRows), and the query that makes the table's
   * rows of it (by default, the staged rows themselves).
   */
  columns: Columns;
  toRow: (record: T) => Cell[];
  sameInEveryRow?: readonly string[];
  rowsSql?: (staging: string) => string;
  rawValueChars: number;
  nowMicros: bigint;
}

/** One batch's share of a layer's files: its counts, the query of its rows (staged), its error and metric rows. */
export interface LayerPart {
  batchId: string;
  counts: LayerCounts;
  rowsSql: string;
  errorRows: Cell[][];
  metricRows: Cell[][];
}

/**
 * Fails the batch (permanently) when a `fail` rule was broken; otherwise stages its kept rows
 * in the temp table `staging` (one per batch of a run) and gathers its error and metric rows,
 * for publishLayer to write with the rest of the run.
 */
export async function stageLayer<T extends LayerRecord>(conn: DuckDBConnection, out: LayerOutput<T>, staging: string): Promise<LayerPart> {
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
  const staged = await stageRows(conn, staging, out.columns, result.kept.map(out.toRow), out.sameInEveryRow);
  return {
    batchId: batch.batchId,
    counts: { records: out.total, passed: result.kept.length, dropped: result.dropped.length, warned: result.warned },
    rowsSql: out.rowsSql ? out.rowsSql(staging) : staged,
    errorRows,
    metricRows: metricRows(result.metrics, { nowMicros, batchId: batch.batchId, clientId, layer }),
  };
}

/** The temp table a run stages the kept rows of its batch at `index` in, for a layer. */
export function stagingTable(layer: 'bronze' | 'silver', index: number): string {
  return `${layer}_rows_${index}`;
}

/**
 * Writes a layer's files for the batches of a run, one file per folder (the layer's table, its
 * error rows, its metrics; see runFileName), each listing the run's batches beside it when it
 * holds several. The table's file is written even when empty: its presence says the batches
 * went through. A file of one of these batches left by an attempt that wrote them one by one is
 * removed first, so no batch is in two files.
 */
export async function publishLayer(
  conn: DuckDBConnection,
  layout: LakeLayout,
  run: { layer: 'bronze' | 'silver'; clientId: string; tableFile: (name: string) => string },
  parts: readonly LayerPart[],
): Promise<LayerCounts[]> {
  const { layer, clientId } = run;
  const batchIds = parts.map((p) => p.batchId);
  const name = runFileName(batchIds);
  if (batchIds.length > 1) {
    for (const id of batchIds) {
      for (const f of [run.tableFile(id), layout.errorsFile(layer, clientId, id), layout.metricsFile(layer, clientId, id)]) {
        if (await exists(f)) await removeFile(f);
      }
    }
  }
  const tableFile = run.tableFile(name);
  await listRunBatches(tableFile, batchIds);
  await writeParquet(conn, parts.map((p) => `SELECT * FROM (${p.rowsSql})`).join(' UNION ALL '), tableFile);
  await writeListedRows(
    conn,
    { table: 'layer_errors', columns: ERROR_COLUMNS, file: layout.errorsFile(layer, clientId, name) },
    parts.flatMap((p) => p.errorRows),
    batchIds,
  );
  await writeListedRows(
    conn,
    { table: 'layer_metrics', columns: METRIC_COLUMNS, file: layout.metricsFile(layer, clientId, name) },
    parts.flatMap((p) => p.metricRows),
    batchIds,
  );
  return parts.map((p) => p.counts);
}

/** Rows written to `file` with the run's batches listed beside it, or the file and its list removed when there are none. */
async function writeListedRows(
  conn: DuckDBConnection,
  target: { table: string; columns: Columns; file: string },
  rows: ReadonlyArray<readonly Cell[]>,
  batchIds: readonly string[],
): Promise<void> {
  if (rows.length === 0) return removeWithList(target.file);
  await listRunBatches(target.file, batchIds);
  await writeRowsOrRemove(conn, target.table, target.columns, rows, target.file);
}
