/**
 * Gold: hourly aggregates per client, kept exactly equal to the GROUP BY over silver. A batch
 * rebuilds every UTC day its silver rows fall in, from all of the client's silver files, so late
 * records (an hour seen in an earlier batch) are counted where they belong.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { withConnection, writeParquetOrRemove } from '../adapters/lake/duck';
import { exists } from '../adapters/lake/files';
import { LakeLayout } from '../domain/lake-layout';
import { goldSliceSql, touchedSlicesSql } from '../domain/tables';
import type { GoldSlice } from '../domain/tables';
import type { LakeDeps } from './deps';
import type { ClientBatchInput } from '../contract/types';
import { guardClientBatch } from './guards';
import { whileHeartbeating } from './heartbeat';

export function createGoldActivities({ config, db, lakeId }: LakeDeps) {
  const layout = new LakeLayout(config.lakeDir);

  /** The gold slices (days, or undated) that some silver files hold rows for. */
  async function touchedSlices(conn: DuckDBConnection, silverFiles: readonly string[]): Promise<GoldSlice[]> {
    const present: string[] = [];
    for (const f of silverFiles) if (await exists(f)) present.push(f);
    if (present.length === 0) return [];
    const rows = (await conn.runAndReadAll(touchedSlicesSql(present))).getRowObjectsJS();
    return rows.map((r) => (r.day === null ? { undated: true as const } : { day: String(r.day) }));
  }

  /** Rebuilds some gold slices of a client from all of its silver files. */
  async function rebuild(conn: DuckDBConnection, clientId: string, slices: readonly GoldSlice[]): Promise<number> {
    const silverGlob = path.join(layout.silverDir(clientId), '*.parquet');
    const anySilver = (await fs.readdir(layout.silverDir(clientId)).catch(() => [])).some((f) => f.endsWith('.parquet'));
    let rows = 0;
    for (const slice of slices) {
      const file = layout.goldFile(clientId, slice);
      if (!anySilver) {
        await fs.rm(file, { force: true });
        continue;
      }
      // Aggregated once; the slice's file is written, or removed when the slice is now empty.
      await conn.run(`CREATE OR REPLACE TEMP TABLE gold_slice AS ${goldSliceSql(silverGlob, slice)}`);
      rows += await writeParquetOrRemove(conn, 'gold_slice', file);
    }
    return rows;
  }

  return {
    /** Recomputes the gold slices this batch's silver rows fall in. Returns gold rows written. */
    async goldBatch(input: ClientBatchInput): Promise<number> {
      guardClientBatch({ config, lakeId }, input);
      const { clientId, batch } = input;
      return whileHeartbeating(() =>
        withConnection(db, async (conn) => rebuild(conn, clientId, await touchedSlices(conn, [layout.silverFile(clientId, batch.batchId)]))),
      );
    },

    /**
     * Compensation for a failed batch: removes everything it wrote for this client (bronze,
     * silver, their errors and metrics) and rebuilds the gold it had touched.
     */
    async discardClientBatch(input: ClientBatchInput): Promise<void> {
      guardClientBatch({ config, lakeId }, input);
      const { clientId, batch } = input;
      await withConnection(db, async (conn) => {
        const slices = await touchedSlices(conn, [layout.silverFile(clientId, batch.batchId)]);
        const files = [
          layout.bronzeFile(clientId, batch.batchId),
          layout.silverFile(clientId, batch.batchId),
          layout.errorsFile('bronze', clientId, batch.batchId),
          layout.errorsFile('silver', clientId, batch.batchId),
          layout.metricsFile('bronze', clientId, batch.batchId),
          layout.metricsFile('silver', clientId, batch.batchId),
        ];
        for (const f of files) await fs.rm(f, { force: true });
        await rebuild(conn, clientId, slices);
      });
    },
  };
}
