/**
 * A gold attempt that outlived its turn (its worker cut off from Temporal while the run was
 * retried elsewhere, and the client went on to its next run) and publishes only now, on real
 * DuckDB and real files: it must not put back a day's state, or a day's gold, without the rows
 * merged since. The attempt is held at one of its publishes while the retry and the next run
 * go through, then let go.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DuckDBInstance } from '@duckdb/node-api';
import { openDuckDB, withConnection } from '../../adapters/lake/duck';
import { writeRawBatchFile } from '../../adapters/lake/raw-batch';
import { querySql } from '../../adapters/lake/sql-session';
import { loadConfig } from '../../config/load';
import type { ResolvedConfig } from '../../config/schema';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { BatchRef, ClientBatchInput } from '../../contract/types';
import { LakeLayout } from '../../domain/lake-layout';
import type { Cell } from '../../domain/tables';
import { createBronzeActivities } from '../../activities/bronze';
import { createGoldActivities } from '../../activities/gold';
import { createSilverActivities } from '../../activities/silver';
import { heldAtPublish } from './held-attempt.helpers';

const LAKE_ID = 'test-lake';
const batchRef = (seq: number, records: number): BatchRef => ({ topic: 'events', seq, batchId: `events.${String(seq).padStart(9, '0')}`, records });
/** Purchases of one hour of 2026-11-20, one per amount. */
const purchases = (amounts: number[]) =>
  amounts.map((amount) => JSON.stringify({ client_id: 'acme', event_type: 'purchase', status: 'active', timestamp: '2026-11-20T10:30:00Z', amount }));

describe('a gold attempt that publishes after its retry and the next run', () => {
  let lakeRoot: string;
  let config: ResolvedConfig;
  let layout: LakeLayout;
  let db: DuckDBInstance;
  let acts: ReturnType<typeof createBronzeActivities> & ReturnType<typeof createSilverActivities> & ReturnType<typeof createGoldActivities>;
  const input = (batch: BatchRef): ClientBatchInput => ({ clientId: 'acme', batch, ruleActions: DEFAULT_RULE_ACTIONS, lakeId: LAKE_ID });
  const attempt = <R>(fn: (i: ClientBatchInput) => Promise<R>, batch: BatchRef): Promise<R> =>
    new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000, currentAttemptScheduledTimestampMs: 1_000 }).run<[ClientBatchInput], R, typeof fn>(
      fn,
      input(batch),
    );
  const goldHour = async () => querySql(config, `SELECT event_count, total_amount FROM gold_acme_summary`);

  /** A batch of acme's purchases landed as a raw file, then taken through bronze and silver. */
  async function landAndRefine(batch: BatchRef, amounts: number[], firstOffset: number): Promise<void> {
    const rows: Cell[][] = purchases(amounts).map((value, i) => [
      'events',
      0,
      BigInt(firstOffset + i),
      null,
      value,
      value.length,
      BigInt(Date.parse('2026-11-20T10:30:00Z')) * 1000n,
      'acme',
      batch.batchId,
      0n,
    ]);
    await withConnection(db, async (conn) => {
      await writeRawBatchFile(conn, rows, layout.rawFile(batch.topic, batch.batchId));
    });
    await attempt((i) => acts.bronzeBatch(i), batch);
    await attempt((i) => acts.silverBatch(i), batch);
  }

  before(async () => {
    db = await openDuckDB({ threads: 1 });
  });
  beforeEach(async () => {
    lakeRoot = mkdtempSync(path.join(os.tmpdir(), 'lake-gold-late-'));
    config = loadConfig({ env: { ...process.env, PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: lakeRoot } });
    layout = new LakeLayout(config.lakeDir);
    const deps = { config, db, lakeId: LAKE_ID };
    acts = { ...createBronzeActivities(deps), ...createSilverActivities(deps), ...createGoldActivities(deps) };
    // Batch 0 is in gold already: the day's state holds it.
    await landAndRefine(batchRef(0, 2), [1, 2], 0);
    await attempt((i) => acts.goldBatch(i), batchRef(0, 2));
  });
  afterEach(() => {
    rmSync(lakeRoot, { recursive: true, force: true });
  });
  after(() => {
    db.closeSync();
  });

  for (const [nth, what] of [
    [1, "the day's state"],
    [2, "the day's gold file"],
  ] as const) {
    it(`is refused when it comes to publish ${what}, and gold keeps every run`, async () => {
      const [one, two] = [batchRef(1, 1), batchRef(2, 1)];
      await landAndRefine(one, [10], 2);
      const late = heldAtPublish(nth, () => attempt((i) => acts.goldBatch(i), one));
      try {
        await late.held;
        // Meanwhile the run is retried elsewhere, and the client runs its next batch.
        assert.equal(await attempt((i) => acts.goldBatch(i), one), 1);
        await landAndRefine(two, [100], 3);
        assert.equal(await attempt((i) => acts.goldBatch(i), two), 1);
        assert.deepEqual(await goldHour(), [{ event_count: 4n, total_amount: 113 }]);
      } finally {
        late.letGo();
      }
      const outcome = await late.outcome;
      // Every silver row counted once: 1 + 2 + 10 + 100.
      assert.deepEqual(await goldHour(), [{ event_count: 4n, total_amount: 113 }]);
      assert.match(outcome, /changed while this work read it/);
      // And the next run merges into a state that holds them all.
      const three = batchRef(3, 1);
      await landAndRefine(three, [1000], 4);
      assert.equal(await attempt((i) => acts.goldBatch(i), three), 1);
      assert.deepEqual(await goldHour(), [{ event_count: 5n, total_amount: 1113 }]);
    });
  }
});
