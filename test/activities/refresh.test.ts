/**
 * The refresh activities on real DuckDB and files: the old tables stay live until the switch, the
 * batches processed during the rebuild are caught up, every step can be repeated, a plain folder
 * becomes a link to the new generation, and older generations are removed by the next refresh.
 */
import assert from 'node:assert/strict';
import { lstatSync, mkdtempSync, readdirSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DuckDBInstance } from '@duckdb/node-api';
import { openDuckDB, stageRows, withConnection, writeParquet } from '../../adapters/lake/duck';
import { querySql } from '../../adapters/lake/sql-session';
import { loadConfig } from '../../config/load';
import type { ResolvedConfig } from '../../config/schema';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { RuleActions } from '../../contract/rules';
import type { RefreshInput } from '../../contract/refresh';
import { batchId, LakeLayout } from '../../domain/lake-layout';
import { RAW_COLUMNS } from '../../domain/tables';
import { createBronzeActivities } from '../../activities/bronze';
import { createGoldActivities } from '../../activities/gold';
import { createRefreshActivities } from '../../activities/refresh';
import { createSilverActivities } from '../../activities/silver';
import { crashedAtPublish, heldAtPublish } from './held-attempt.helpers';

const LAKE_ID = 'test-lake';
const warn: RuleActions = { ...DEFAULT_RULE_ACTIONS, valid_status: 'warn' };
const drop: RuleActions = DEFAULT_RULE_ACTIONS;
const env = () => new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000, currentAttemptScheduledTimestampMs: Date.now() });

describe('refresh activities on real DuckDB', () => {
  const lakeRoot = mkdtempSync(path.join(os.tmpdir(), 'lake-refresh-'));
  let config: ResolvedConfig;
  let db: DuckDBInstance;
  let deps: { config: ResolvedConfig; db: DuckDBInstance; lakeId: string };
  const refs = [0, 1, 2, 3].map((seq) => ({ topic: 'events', seq, batchId: batchId('events', seq), records: 3 }));
  const sql = async (query: string) => Number((await querySql(config, query))[0]?.n);
  const counts = async () => ({
    silver: await sql('SELECT count(*) AS n FROM silver_acme'),
    gold: await sql('SELECT coalesce(sum(event_count), 0) AS n FROM gold_acme_summary'),
    errors: await sql(`SELECT count(*) AS n FROM pipeline_errors WHERE client_id = 'acme' AND layer = 'silver'`),
    metrics: await sql(
      `SELECT coalesce(sum(records_checked), 0) AS n FROM pipeline_quality_metrics WHERE client_id = 'acme' AND layer = 'silver' AND rule = 'valid_status'`,
    ),
  });

  /** Bronze, silver and gold of one batch into the live tables. */
  async function processLive(seq: number, ruleActions: RuleActions): Promise<void> {
    const input = { clientId: 'acme', batch: refs[seq]!, ruleActions, lakeId: LAKE_ID };
    await env().run(createBronzeActivities(deps).bronzeBatch, input);
    await env().run(createSilverActivities(deps).silverBatch, input);
    await env().run(createGoldActivities(deps).goldBatch, input);
  }
  const refresh = createRefreshActivities;
  const step = <R>(fn: (i: RefreshInput) => Promise<R>, input: RefreshInput): Promise<R> => env().run<[RefreshInput], R, typeof fn>(fn, input);

  before(async () => {
    config = loadConfig({ env: { ...process.env, PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: lakeRoot } });
    db = await openDuckDB({ threads: 1 });
    deps = { config, db, lakeId: LAKE_ID };
    const layout = new LakeLayout(config.lakeDir);
    for (const ref of refs) {
      const values = [0, 1, 2].map((i) =>
        JSON.stringify({
          client_id: 'acme',
          timestamp: `2026-11-2${ref.seq}T1${i}:00:00Z`,
          event_type: 'buy',
          status: i === 1 ? 'archived' : 'active',
          amount: i,
        }),
      );
      const rows = values.map((value, i) => ['events', 0, BigInt(ref.seq * 3 + i), null, value, value.length, 0n, 'acme', ref.batchId, 0n]);
      await withConnection(db, async (conn) => {
        await writeParquet(conn, await stageRows(conn, 'raw', RAW_COLUMNS, rows), layout.rawFile(ref.topic, ref.batchId));
      });
    }
  });
  after(() => {
    db.closeSync();
    rmSync(lakeRoot, { recursive: true, force: true });
  });

  it('rebuilds with the new actions, catches up, switches once, and repeats safely', async () => {
    await processLive(0, warn);
    await processLive(1, warn);
    assert.deepEqual(await counts(), { silver: 6, gold: 6, errors: 0, metrics: 6 });

    const input: RefreshInput = { clientId: 'acme', tables: ['bronze', 'silver', 'gold'], generation: 'g1', ruleActions: drop, lakeId: LAKE_ID };
    const acts = refresh(deps);
    assert.equal(await step(acts.beginRefresh, input), 2);
    await processLive(2, drop); // a batch the client processes while the rebuild runs
    assert.equal(await step(acts.refreshClient, input), 2);
    assert.equal(await step(acts.refreshClient, input), 2, 'a retried rebuild does the same');
    assert.deepEqual(await counts(), { silver: 8, gold: 8, errors: 1, metrics: 9 }, 'the old tables stay live until the switch');

    const outcome = await step(acts.switchRefresh, input);
    assert.deepEqual(
      { batches: outcome.batches, caughtUp: outcome.caughtUp, rows: outcome.rows },
      { batches: 3, caughtUp: 1, rows: { bronze: 9, silver: 6, gold: 6 } },
    );
    const switched = { silver: 6, gold: 6, errors: 3, metrics: 9 };
    assert.deepEqual(await counts(), switched, 'old error rows and metrics replaced, not added to');
    const again = await step(acts.switchRefresh, input);
    assert.deepEqual(again.rows, outcome.rows, 'a retried switch finds it done');
    assert.deepEqual(await counts(), switched);
    assert.ok(lstatSync(path.join(config.lakeDir, 'silver_acme')).isSymbolicLink());
    const generations = path.join(config.lakeDir, '_generations', 'acme');
    assert.deepEqual(readdirSync(generations).sort(), ['g1', 'retired-g1'], 'the plain folders it replaced are kept for readers still on them');

    // Gold only, from the live silver: the first generation stays for bronze and silver.
    const gold: RefreshInput = { ...input, tables: ['gold'], generation: 'g2' };
    await step(acts.beginRefresh, gold);
    await step(acts.refreshClient, gold);
    assert.equal((await step(acts.switchRefresh, gold)).rows.gold, 6);
    assert.deepEqual(await counts(), switched);
    assert.deepEqual(readdirSync(generations).sort(), ['g1', 'g2'], 'what nothing links to any more is removed');
  });

  it('refuses a switch that comes after the refresh was given up and a batch ran, and the batch stays', async () => {
    const input: RefreshInput = { clientId: 'acme', tables: ['bronze', 'silver', 'gold'], generation: 'g3', ruleActions: drop, lakeId: LAKE_ID };
    const acts = refresh(deps);
    await step(acts.beginRefresh, input);
    await step(acts.refreshClient, input);
    const bronzeRows = () => sql('SELECT count(*) AS n FROM bronze_acme');
    assert.equal(await bronzeRows(), 9);
    // With nothing to catch up on, a switch publishes its plan, then bronze's switch.
    const late = heldAtPublish(2, () => step(acts.switchRefresh, input));
    try {
      await late.held;
      // Its worker cut off, the refresh given up, the client runs its next batch.
      await processLive(3, drop);
      assert.equal(await bronzeRows(), 12);
    } finally {
      late.letGo();
    }
    const outcome = await late.outcome;
    assert.equal(await bronzeRows(), 12, 'no batch lost from bronze');
    assert.equal(await sql('SELECT count(*) AS n FROM silver_acme'), 8, 'nor from silver');
    assert.match(outcome, /bronze_acme changed while this work read it/);
  });

  it('a switch retried after it had switched some folders finishes the switch', async () => {
    const input: RefreshInput = { clientId: 'acme', tables: ['bronze', 'silver', 'gold'], generation: 'g4', ruleActions: drop, lakeId: LAKE_ID };
    const acts = refresh(deps);
    await step(acts.beginRefresh, input);
    await step(acts.refreshClient, input);
    // The plan, bronze's switch, then its error rows' and metrics' folders: dead before silver's.
    assert.match(await crashedAtPublish(5, () => step(acts.switchRefresh, input)), /crashed before publish #5/);
    const bronzeLive = path.join(config.lakeDir, 'bronze_acme');
    const silverLive = path.join(config.lakeDir, 'silver_acme');
    assert.match(readlinkSync(bronzeLive), /g4/);
    assert.doesNotMatch(readlinkSync(silverLive), /g4/);
    const outcome = await step(acts.switchRefresh, input);
    assert.deepEqual(outcome.rows, { bronze: 12, silver: 8, gold: 8 });
    assert.match(readlinkSync(silverLive), /g4/);
    assert.equal(await sql('SELECT count(*) AS n FROM bronze_acme'), 12);
    assert.equal(await sql('SELECT count(*) AS n FROM silver_acme'), 8);
  });
});
