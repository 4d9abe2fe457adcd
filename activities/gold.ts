/**
 * Gold: hourly aggregates per client, kept exactly equal to the GROUP BY over silver, one file per
 * UTC day. Each day's file is made from the day's state (domain/gold-sql.ts), which a run merges
 * its own silver rows into: late records (an hour seen in an earlier batch) are counted where
 * they belong, and a run's gold work follows its own rows, not how much the day holds. A
 * compensation, a refresh, or a day without a state yet rebuilds the day's state from all of
 * the client's silver files.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { withConnection, writeParquetOrRemove } from '../adapters/lake/duck';
import { exists, removeFile, unchangedSince } from '../adapters/lake/files';
import { withPublishCheck } from '../adapters/lake/fence';
import { LakeLayout } from '../domain/lake-layout';
import type { GoldSlice } from '../domain/gold-slice';
import { finalGoldSql, goldStateSql, mergedGoldStateSql, touchedSlicesSql } from '../domain/gold-sql';
import { sqlString } from '../domain/sql';
import { parseBatchId } from '../domain/generations';
import type { LakeDeps } from './deps';
import type { BatchRef, ClientBatchInput, ClientRunInput, LayerFailureDetails } from '../contract/types';
import { runOfOne } from './client-lake';
import { guardClientRun } from './guards';
import { noneDiscardedSince } from './discarded';
import { whileHeartbeating } from './heartbeat';

/** The gold slices (days, or undated) that some silver files hold rows for. */
export async function touchedSlices(conn: DuckDBConnection, silverFiles: readonly string[]): Promise<GoldSlice[]> {
  const present: string[] = [];
  for (const f of silverFiles) if (await exists(f)) present.push(f);
  if (present.length === 0) return [];
  const rows = (await conn.runAndReadAll(touchedSlicesSql(present))).getRowObjectsJS();
  return rows.map((r) => (r.day === null ? { undated: true as const } : { day: String(r.day) }));
}

/** A run's new silver rows, to be merged into the states of the slices they touch. */
export interface GoldRun {
  batches: readonly BatchRef[];
  /** The run's silver files that exist (a batch whose rows all dropped still has one, empty). */
  silverFiles: readonly string[];
}

async function mergedThrough(conn: DuckDBConnection, stateFile: string): Promise<string | null> {
  const [row] = (
    await conn.runAndReadAll(`SELECT any_value(merged_through) AS through FROM read_parquet(${sqlString(stateFile)})`)
  ).getRowObjectsJS();
  return typeof row?.through === 'string' ? row.through : null;
}

/**
 * Whether a run's rows can be added to a state that holds batches through `through`: only when
 * every batch of the run is newer. Otherwise (a replayed older batch, a run retried after it had
 * merged, an attempt that outlived its turn) some of its rows may be in the state already, and
 * the slice is rebuilt from silver instead, which is right whatever the state holds.
 */
export function runIsNewer(batches: readonly BatchRef[], through: string | null): boolean {
  const mark = through === null ? null : parseBatchId(through);
  return mark !== null && batches.every((b) => b.topic === mark.topic && b.seq > mark.seq);
}

/**
 * Brings gold slices of a client up to date: with `run`, by merging the run's rows into each
 * slice's state when it can (runIsNewer); otherwise by rebuilding the state from all of the
 * client's silver files. The state is written first, then the gold file from it. Returns gold
 * rows written.
 */
export async function rebuildGold(
  conn: DuckDBConnection,
  layout: LakeLayout,
  clientId: string,
  slices: readonly GoldSlice[],
  run?: GoldRun,
): Promise<number> {
  const silverGlob = path.join(layout.silverDir(clientId), '*.parquet');
  const anySilver = (await fs.readdir(layout.silverDir(clientId)).catch(() => [])).some((f) => f.endsWith('.parquet'));
  let rows = 0;
  for (const slice of slices) {
    const file = layout.goldFile(clientId, slice);
    const stateFile = layout.goldStateFile(clientId, slice);
    // The state, and then gold from it, each written (or removed when the slice is now empty)
    // only while the state is still the one this work read: an attempt that outlived its turn
    // (see heartbeat.ts) and publishes late would otherwise put back a state, or a gold file,
    // without the runs merged since.
    const stateRows = await withPublishCheck(unchangedSince(stateFile), async () => {
      if (!anySilver) {
        await removeFile(stateFile);
        return 0;
      }
      const through = run && (await exists(stateFile)) ? await mergedThrough(conn, stateFile) : null;
      const newest = run?.batches.reduce((a, b) => (b.seq > a.seq ? b : a));
      const state =
        run && newest && runIsNewer(run.batches, through)
          ? mergedGoldStateSql(`read_parquet(${sqlString(stateFile)})`, `(${goldStateSql(run.silverFiles, slice)})`, newest.batchId)
          : goldStateSql(silverGlob, slice);
      return writeParquetOrRemove(conn, state, stateFile);
    });
    rows += await withPublishCheck(unchangedSince(stateFile), async () => {
      if (stateRows === 0) {
        await removeFile(file);
        return 0;
      }
      return writeParquetOrRemove(conn, finalGoldSql(`read_parquet(${sqlString(stateFile)})`), file);
    });
  }
  return rows;
}

export function createGoldActivities({ config, db, lakeId }: LakeDeps) {
  const layout = new LakeLayout(config.lakeDir);

  /** Merges the run's silver rows into the gold of the slices they fall in. Returns gold rows written. */
  async function goldBatches(input: ClientRunInput): Promise<number> {
    const batches = guardClientRun({ config, lakeId }, input);
    const { clientId } = input;
    const silverFiles = batches.map((b) => layout.silverFile(clientId, b.batchId));
    return whileHeartbeating(
      () =>
        withConnection(db, async (conn) => {
          const present: string[] = [];
          for (const f of silverFiles) if (await exists(f)) present.push(f);
          const slices = await touchedSlices(conn, present);
          return rebuildGold(conn, layout, clientId, slices, { batches, silverFiles: present });
        }),
      {
        check: noneDiscardedSince(layout, clientId, batches),
        details: { layer: 'gold' } satisfies LayerFailureDetails,
      },
    );
  }

  return {
    goldBatches,
    goldBatch: (input: ClientBatchInput): Promise<number> => goldBatches(runOfOne(input)),
  };
}
