/**
 * Compaction on real DuckDB and files: every table reads the same rows before and after, the
 * client's folders hold one segment instead of a file per batch, a compaction that crashed before
 * its switch changes nothing and is cleaned up by the next, a refresh (which rebuilds silver from
 * the live bronze, compacted or not) and a compensation still work, and gold, merged run by run
 * or rebuilt, equals the GROUP BY over silver.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DuckDBInstance } from '@duckdb/node-api';
import { openDuckDB, stageRows, withConnection, writeParquet } from '../../adapters/lake/duck';
import { buildCompactedFolder, folderBatches, SEGMENT_ROW_GROUP_ROWS } from '../../adapters/lake/segments';
import { querySql } from '../../adapters/lake/sql-session';
import { loadConfig } from '../../config/load';
import type { ResolvedConfig } from '../../config/schema';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { RefreshInput } from '../../contract/refresh';
import type { ClientRunInput, CompactionInput, CompactionOutcome } from '../../contract/types';
import { segmentName } from '../../domain/compaction';
import { batchId, LakeLayout } from '../../domain/lake-layout';
import { sqlString } from '../../domain/sql';
import { RAW_COLUMNS } from '../../domain/tables';
import { createClientRunActivities, lakeRunLayers } from '../../activities/client-run';
import { createCompactionActivities } from '../../activities/compaction';
import { createCompensationActivities } from '../../activities/compensation';
import { createGoldActivities } from '../../activities/gold';
import { createRefreshActivities } from '../../activities/refresh';

const LAKE_ID = 'test-lake';
const env = () => new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000, currentAttemptScheduledTimestampMs: Date.now() });
const BATCHES = 10;
const PER_BATCH = 6;
/** Named like a segment (`compacted-<id>.parquet`) on purpose: its batch files must still read as batches. */
const TOPIC = 'compacted-events';

describe('compaction of a client’s files on real DuckDB', () => {
  const lakeRoot = mkdtempSync(path.join(os.tmpdir(), 'lake-compaction-'));
  let config: ResolvedConfig;
  let db: DuckDBInstance;
  let deps: { config: ResolvedConfig; db: DuckDBInstance; lakeId: string };
  let layout: LakeLayout;
  const refs = Array.from({ length: BATCHES + 3 }, (_, seq) => ({ topic: TOPIC, seq, batchId: batchId(TOPIC, seq), records: PER_BATCH }));
  const rows = (query: string) => querySql(config, query);

  /** Every row the client's tables hold, as text, order aside. */
  async function snapshot(): Promise<Record<'bronze' | 'silver' | 'gold' | 'errors' | 'metrics', string[]>> {
    const of = async (q: string) => (await rows(q)).map((r) => JSON.stringify(r, (_, v: unknown) => (typeof v === 'bigint' ? String(v) : v))).sort();
    return {
      bronze: await of('SELECT * EXCLUDE (processed_at) FROM bronze_acme'),
      silver: await of('SELECT * EXCLUDE (processed_at) FROM silver_acme'),
      gold: await of('SELECT * FROM gold_acme_summary'),
      errors: await of(`SELECT * EXCLUDE (error_timestamp) FROM pipeline_errors WHERE client_id = 'acme'`),
      metrics: await of(`SELECT * EXCLUDE (recorded_at) FROM pipeline_quality_metrics WHERE client_id = 'acme'`),
    };
  }
  const parquetIn = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.parquet'));
  const runOf = (seqs: number[]): ClientRunInput => ({
    clientId: 'acme',
    batches: seqs.map((s) => refs[s]!),
    ruleActions: DEFAULT_RULE_ACTIONS,
    lakeId: LAKE_ID,
  });
  const compact = (): Promise<CompactionOutcome> =>
    env().run<[CompactionInput], CompactionOutcome, (i: CompactionInput) => Promise<CompactionOutcome>>(
      createCompactionActivities(deps).compactClientTables,
      {
        clientId: 'acme',
        lakeId: LAKE_ID,
      },
    );

  before(async () => {
    config = loadConfig({ env: { ...process.env, PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: lakeRoot } });
    db = await openDuckDB({ threads: 1 });
    deps = { config, db, lakeId: LAKE_ID };
    layout = new LakeLayout(config.lakeDir);
    for (const ref of refs) {
      // Events over two days and several hours; some break a bronze rule (no timestamp), some a silver one (status).
      const values = Array.from({ length: PER_BATCH }, (_, i) =>
        JSON.stringify({
          client_id: 'acme',
          ...(i === 5 ? {} : { timestamp: `2026-11-${20 + (ref.seq % 2)}T${String((ref.seq * 3 + i) % 24).padStart(2, '0')}:15:00Z` }),
          event_type: i % 2 === 0 ? 'buy' : 'view',
          status: i === 4 ? 'archived' : 'active',
          amount: ref.seq + i / 10,
        }),
      );
      const raw = values.map((value, i) => [TOPIC, 0, BigInt(ref.seq * PER_BATCH + i), null, value, value.length, 0n, 'acme', ref.batchId, 0n]);
      await withConnection(db, async (conn) => {
        await writeParquet(conn, await stageRows(conn, 'raw', RAW_COLUMNS, raw), layout.rawFile(ref.topic, ref.batchId));
      });
    }
    const run = createClientRunActivities(lakeRunLayers(deps)).runClientBatches;
    for (let seq = 0; seq < BATCHES; seq += 1) await env().run(run, runOf([seq]));
  });
  after(() => {
    db.closeSync();
    rmSync(lakeRoot, { recursive: true, force: true });
  });

  it('merges each folder of per-batch files into one segment, every table reading the same rows', async () => {
    const before = await snapshot();
    assert.equal(before.bronze.length, BATCHES * (PER_BATCH - 1));
    assert.equal(parquetIn(layout.bronzeDir('acme')).length, BATCHES);

    const outcome = await compact();
    assert.equal(outcome.folders, 6, 'bronze, silver, and their error and metric folders');
    assert.equal(outcome.filesAfter, 6);
    assert.equal(outcome.filesBefore, 6 * BATCHES);
    assert.deepEqual(await snapshot(), before);
    for (const dir of [layout.bronzeDir('acme'), layout.silverDir('acme')]) assert.equal(parquetIn(dir).length, 1, dir);
    assert.deepEqual(
      await folderBatches(layout.bronzeDir('acme')),
      refs.slice(0, BATCHES).map((r) => r.batchId),
    );
    assert.deepEqual(await compact(), { clientId: 'acme', folders: 0, filesBefore: 0, filesAfter: 0 }, 'nothing left to merge');
  });

  it('a compaction that crashed before its switch changes nothing, and the next one cleans up after it', async () => {
    const before = await snapshot();
    const generations = path.join(config.lakeDir, '_generations', 'acme');
    // A crash mid-build: the new segment written, the folder never switched.
    await env().run(createClientRunActivities(lakeRunLayers(deps)).runClientBatches, runOf([BATCHES, BATCHES + 1]));
    const after1 = await snapshot();
    await withConnection(db, (conn) =>
      buildCompactedFolder(
        conn,
        { live: layout.bronzeDir('acme'), staged: path.join(generations, 'compact-crashed', 'bronze'), segmentId: 'crashed' },
        { minFiles: 1, maxSegmentBytes: 1 << 30 },
      ),
    );
    await fs.writeFile(path.join(generations, 'compact-crashed', 'bronze', 'x.parquet.tmp-1'), 'half a file');
    assert.notDeepEqual(after1, before);
    assert.deepEqual(await snapshot(), after1, 'the unswitched copy is read by no one');

    const outcome = await compact();
    assert.equal(outcome.folders, 6);
    assert.deepEqual(await snapshot(), after1);
    assert.ok(!readdirSync(generations).includes('compact-crashed'), 'the crashed compaction’s generation is removed');
    assert.ok(readdirSync(generations).length <= 3, `live and previous generations only: ${readdirSync(generations).join(', ')}`);
  });

  it('gold over compacted silver, merged run by run or rebuilt, equals the GROUP BY over silver; compensation and refresh still work', async () => {
    const run = createClientRunActivities(lakeRunLayers(deps)).runClientBatches;
    const goldEqualsSilver = async () => {
      const [diff] = await rows(`SELECT count(*) AS n FROM (
        (SELECT window_start, event_type, event_count, total_amount, min_amount, max_amount FROM gold_acme_summary
         EXCEPT ALL
         SELECT date_trunc('hour', event_timestamp), event_type, count(*), sum(amount::DECIMAL(38, 9))::DOUBLE, min(amount), max(amount) FROM silver_acme GROUP BY ALL)
        UNION ALL
        (SELECT date_trunc('hour', event_timestamp), event_type, count(*), sum(amount::DECIMAL(38, 9))::DOUBLE, min(amount), max(amount) FROM silver_acme GROUP BY ALL
         EXCEPT ALL
         SELECT window_start, event_type, event_count, total_amount, min_amount, max_amount FROM gold_acme_summary))`);
      assert.equal(Number(diff?.n), 0, 'gold differs from the GROUP BY over silver');
    };
    await goldEqualsSilver();

    // Gold of a run again (a retry after its state was written), and of an older run after it
    // (an attempt that outlived its turn): neither adds its rows twice.
    const gold = createGoldActivities(deps).goldBatches;
    await env().run(gold, runOf([BATCHES + 1]));
    await env().run(gold, runOf([BATCHES]));
    await goldEqualsSilver();

    // A run that is compensated after compaction: its files go, the compacted ones stay.
    const withRun = await snapshot();
    await env().run(run, runOf([BATCHES + 2]));
    await env().run(createCompensationActivities(deps).discardClientBatches, runOf([BATCHES + 2]));
    assert.deepEqual(await snapshot(), withRun);
    await goldEqualsSilver();

    // Silver and gold rebuilt from the live bronze, which is mostly one segment now.
    await compact();
    const acts = createRefreshActivities(deps);
    const input: RefreshInput = {
      clientId: 'acme',
      tables: ['silver', 'gold'],
      generation: 'g1',
      ruleActions: DEFAULT_RULE_ACTIONS,
      lakeId: LAKE_ID,
    };
    const step = <R>(fn: (i: RefreshInput) => Promise<R>): Promise<R> => env().run<[RefreshInput], R, typeof fn>(fn, input);
    assert.equal(await step(acts.beginRefresh), BATCHES + 2);
    await step(acts.refreshClient);
    await step(acts.switchRefresh);
    assert.deepEqual(await snapshot(), withRun, 'the same rules over the same bronze give the same tables');
    await goldEqualsSilver();

    // Gold alone, from the live silver, compacted again.
    await compact();
    const goldOnly: RefreshInput = { ...input, tables: ['gold'], generation: 'g2' };
    await env().run(acts.beginRefresh, goldOnly);
    await env().run(acts.refreshClient, goldOnly);
    await env().run(acts.switchRefresh, goldOnly);
    assert.deepEqual(await snapshot(), withRun, 'every day of gold rebuilt, those of compacted batches too');
  });
});

describe('a segment’s layout', () => {
  it('is written in small row groups, each batch’s rows together, so a read of one batch skips the rest', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'segment-layout-'));
    const db = await openDuckDB({ threads: 2 });
    try {
      const live = path.join(dir, 'live');
      const batches = ['events.000000001', 'events.000000002', 'events.000000003'];
      const perBatch = 10_000;
      await withConnection(db, async (conn) => {
        for (const [i, batch] of batches.entries()) {
          await writeParquet(
            conn,
            `SELECT '${batch}' AS batch_id, range + ${i * perBatch} AS n, md5(range::VARCHAR) AS v FROM range(${perBatch})`,
            path.join(live, `${batch}.parquet`),
          );
        }
        const built = await buildCompactedFolder(
          conn,
          { live, staged: path.join(dir, 'staged'), segmentId: 'layout' },
          { minFiles: 2, maxSegmentBytes: 1 << 30 },
        );
        assert.equal(built?.batches, batches.length);
        const segment = sqlString(path.join(dir, 'staged', segmentName('layout')));
        const groups = (
          await conn.runAndReadAll(
            `SELECT row_group_num_rows::INTEGER AS n, stats_min_value AS lo, stats_max_value AS hi
             FROM parquet_metadata(${segment}) WHERE path_in_schema = 'batch_id' ORDER BY row_group_id`,
          )
        ).getRowObjectsJS();
        assert.equal(
          groups.reduce((sum, g) => sum + Number(g.n), 0),
          batches.length * perBatch,
        );
        // DuckDB ends a group at a source's end or once the group reaches the size: under twice it.
        assert.ok(
          groups.every((g) => Number(g.n) < 2 * SEGMENT_ROW_GROUP_ROWS),
          JSON.stringify(groups.map((g) => g.n)),
        );
        for (const batch of batches) {
          // 10,000 rows span five groups of 2,048, six when they start mid-group.
          const holding = groups.filter((g) => String(g.lo) <= batch && batch <= String(g.hi));
          assert.ok(holding.length <= 6, `${batch} is in ${holding.length} of ${groups.length} row groups`);
        }
      });
    } finally {
      db.closeSync();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
