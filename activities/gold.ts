/**
 * Gold: hourly aggregates per client, kept exactly equal to the GROUP BY over silver, one file
 * per UTC day. A run of batches recomputes, once, every hour their silver rows fall in, from all
 * of the client's silver rows of that hour, so late records (an hour seen in an earlier batch)
 * are counted where they belong; the day's other hours are carried over from its file. The work
 * follows the hours touched, not how much the day already holds.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { withConnection, writeParquetOrRemove } from '../adapters/lake/duck';
import { exists, removeFile } from '../adapters/lake/files';
import { LakeLayout } from '../domain/lake-layout';
import type { GoldSlice } from '../domain/gold-slice';
import { goldHoursSql, goldSliceSql, touchedSlicesSql } from '../domain/gold-sql';
import type { LakeDeps } from './deps';
import type { ClientBatchInput, ClientRunInput, LayerFailureDetails } from '../contract/types';
import { runOfOne } from './client-lake';
import { guardClientRun } from './guards';
import { noneDiscardedSince } from './discarded';
import { whileHeartbeating } from './heartbeat';

/** The gold slices (days with their hours, or undated) that some silver files hold rows for. */
export async function touchedSlices(conn: DuckDBConnection, silverFiles: readonly string[]): Promise<GoldSlice[]> {
  const present: string[] = [];
  for (const f of silverFiles) if (await exists(f)) present.push(f);
  if (present.length === 0) return [];
  const rows = (await conn.runAndReadAll(touchedSlicesSql(present))).getRowObjectsJS();
  return rows.map((r) => (r.day === null ? { undated: true as const } : { day: String(r.day), hours: (r.hours as unknown[]).map(String) }));
}

/**
 * Rebuilds some gold slices of a client from its silver files: only the hours a slice names when
 * the day's file is there to carry the others over, else the whole slice. Returns gold rows written.
 */
export async function rebuildGold(conn: DuckDBConnection, layout: LakeLayout, clientId: string, slices: readonly GoldSlice[]): Promise<number> {
  const silverGlob = path.join(layout.silverDir(clientId), '*.parquet');
  const anySilver = (await fs.readdir(layout.silverDir(clientId)).catch(() => [])).some((f) => f.endsWith('.parquet'));
  let rows = 0;
  for (const slice of slices) {
    const file = layout.goldFile(clientId, slice);
    if (!anySilver) {
      await removeFile(file);
      continue;
    }
    const sql =
      'day' in slice && slice.hours?.length && (await exists(file))
        ? goldHoursSql(silverGlob, file, { day: slice.day, hours: slice.hours })
        : goldSliceSql(silverGlob, slice);
    // Aggregated once; the slice's file is written, or removed when the slice is now empty.
    await conn.run(`CREATE OR REPLACE TEMP TABLE gold_slice AS ${sql}`);
    rows += await writeParquetOrRemove(conn, 'gold_slice', file);
  }
  return rows;
}

export function createGoldActivities({ config, db, lakeId }: LakeDeps) {
  const layout = new LakeLayout(config.lakeDir);

  /** Recomputes, once, the gold slices the run's silver rows fall in. Returns gold rows written. */
  async function goldBatches(input: ClientRunInput): Promise<number> {
    const batches = guardClientRun({ config, lakeId }, input);
    const { clientId } = input;
    const silverFiles = batches.map((b) => layout.silverFile(clientId, b.batchId));
    return whileHeartbeating(() => withConnection(db, async (conn) => rebuildGold(conn, layout, clientId, await touchedSlices(conn, silverFiles))), {
      check: noneDiscardedSince(layout, clientId, batches),
      details: { layer: 'gold' } satisfies LayerFailureDetails,
    });
  }

  return {
    goldBatches,
    goldBatch: (input: ClientBatchInput): Promise<number> => goldBatches(runOfOne(input)),
  };
}
