/**
 * A reader racing the first switch of a client's plain folders (a first refresh or compaction
 * moves the folder away and puts a link in its place): its query reads the old files or the
 * new ones, and never fails for a file that moved. The folder's name is absent for no longer
 * than two renames back to back, however busy the worker's thread pool is.
 */
import assert from 'node:assert/strict';
import { pbkdf2 } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DuckDBInstance } from '@duckdb/node-api';
import { openDuckDB, stageRows, withConnection, writeParquet } from '../../adapters/lake/duck';
import { switchFolder } from '../../adapters/lake/generations';
import { querySql } from '../../adapters/lake/sql-session';
import { loadConfig } from '../../config/load';
import type { ResolvedConfig } from '../../config/schema';
import { clientGenerationsDir } from '../../domain/generations';
import { LakeLayout } from '../../domain/lake-layout';
import { BRONZE_COLUMNS } from '../../domain/tables';

const FILES = 40;
const ROUNDS = 60;

describe('a reader racing the first switch of a plain folder', () => {
  const lakeRoot = mkdtempSync(path.join(os.tmpdir(), 'lake-switch-'));
  let config: ResolvedConfig;
  let layout: LakeLayout;
  let db: DuckDBInstance;
  before(async () => {
    config = loadConfig({ env: { ...process.env, PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: lakeRoot } });
    layout = new LakeLayout(config.lakeDir);
    db = await openDuckDB({ threads: 1 });
  });
  after(() => {
    db.closeSync();
    rmSync(lakeRoot, { recursive: true, force: true });
  });

  /** `FILES` one-row bronze files in `dir`. */
  const writeFiles = (dir: string, round: number) =>
    withConnection(db, async (conn) => {
      const query = await stageRows(conn, 'one', BRONZE_COLUMNS, [['acme', 0n, '{}', 'events', 0, 0n, 0n, 'b', 0n]]);
      for (let i = 0; i < FILES; i += 1) await writeParquet(conn, query, path.join(dir, `r${round}-${i}.parquet`));
    });

  it('reads every row of one folder or the other, round after round', async () => {
    const live = layout.bronzeDir('acme');
    for (let round = 0; round < ROUNDS; round += 1) {
      // A plain folder again, as before any switch.
      rmSync(live, { recursive: true, force: true });
      await writeFiles(live, round);
      const staged = path.join(clientGenerationsDir(config.lakeDir, 'acme'), `gen-${round}`, 'bronze');
      await writeFiles(staged, round);
      // Readers query without pause while the folder is switched under them.
      let switched = false;
      const reader = async (): Promise<bigint[]> => {
        const seen: bigint[] = [];
        while (!switched) seen.push(BigInt(((await querySql(config, 'SELECT count(*) AS n FROM bronze_acme'))[0]?.n as bigint) ?? -1n));
        return seen;
      };
      const reading = Promise.all([reader(), reader()]);
      await new Promise((r) => setTimeout(r, 20 + (round % 7) * 5));
      await switchFolder({ live, staged }, path.join(clientGenerationsDir(config.lakeDir, 'acme'), `retired-${round}`));
      switched = true;
      for (const n of (await reading).flat()) assert.equal(n, BigInt(FILES), `round ${round}`);
    }
  });

  it('leaves the name absent for no moment another task can see, even with the thread pool busy', async () => {
    const live = layout.bronzeDir('acme');
    rmSync(live, { recursive: true, force: true });
    await writeFiles(live, 100);
    const staged = path.join(clientGenerationsDir(config.lakeDir, 'acme'), 'gen-busy', 'bronze');
    await writeFiles(staged, 100);
    // libuv's pool kept busy, with work queued, as DuckDB statements and fsyncs keep it.
    let busy = true;
    const keepBusy = async () => {
      while (busy) await new Promise((r) => pbkdf2('x', 'y', 50_000, 32, 'sha256', r));
    };
    const poolWork = Array.from({ length: 8 }, keepBusy);
    let absent = 0;
    const watch = setInterval(() => {
      if (!existsSync(live)) absent += 1;
    }, 0);
    try {
      await switchFolder({ live, staged }, path.join(clientGenerationsDir(config.lakeDir, 'acme'), 'retired-busy'));
    } finally {
      clearInterval(watch);
      busy = false;
    }
    await Promise.all(poolWork);
    assert.equal(absent, 0, 'the live folder was seen missing mid-switch');
    assert.equal(((await querySql(config, 'SELECT count(*) AS n FROM bronze_acme'))[0]?.n as bigint) ?? -1n, BigInt(FILES));
  });
});
