/**
 * Activities refuse references that could name files outside their own (traversal in a topic or
 * batch id, a batch id not of the ingest's form, a bad sequence number) before touching any file,
 * as a non-retryable InvalidInput; the steps after a failure record the batch without acting on
 * its reference. And what the lake holds is its owner's only.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DuckDBInstance } from '@duckdb/node-api';
import { openDuckDB, stageRows, withConnection, writeParquet } from '../../adapters/lake/duck';
import { lakeIdentity } from '../../adapters/lake/lake-identity';
import { querySql } from '../../adapters/lake/sql-session';
import { loadConfig } from '../../config/load';
import type { ResolvedConfig } from '../../config/schema';
import { ErrorType } from '../../contract/errors';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { BatchRef, ClientBatchInput } from '../../contract/types';
import { LakeLayout } from '../../domain/lake-layout';
import { RAW_COLUMNS } from '../../domain/tables';
import type { Cell } from '../../domain/tables';
import { createBronzeActivities } from '../../activities/bronze';
import { createCompensationActivities } from '../../activities/compensation';
import { createFailureActivities } from '../../activities/failures';
import { createGoldActivities } from '../../activities/gold';
import { createSilverActivities } from '../../activities/silver';
import { fileOnlyIngest, TOPIC } from './ingest-files.helpers';

const LAKE_ID = 'test-lake';
const isInvalidInput = (e: unknown) => e instanceof ApplicationFailure && e.type === ErrorType.InvalidInput && e.nonRetryable;
const run = <I>(fn: (i: I) => Promise<unknown>, input: I) => new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000 }).run(fn, input);

/** Every file and folder under `dir`, relative to it, sorted. */
const tree = (dir: string): string[] => (existsSync(dir) ? readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort() : []);

describe('activities refuse references that leave their own files', () => {
  const home = mkdtempSync(path.join(os.tmpdir(), 'lake-guards-'));
  const sentinel = path.join(home, 'sentinel.parquet');
  let config: ResolvedConfig;
  let layout: LakeLayout;
  let db: DuckDBInstance;
  let acts: ReturnType<typeof createBronzeActivities> &
    ReturnType<typeof createSilverActivities> &
    ReturnType<typeof createGoldActivities> &
    ReturnType<typeof createCompensationActivities> &
    ReturnType<typeof createFailureActivities>;
  const good: BatchRef = { topic: 'events', seq: 0, batchId: 'events.000000000', records: 1 };
  const input = (clientId: string, batch: BatchRef): ClientBatchInput => ({ clientId, batch, ruleActions: DEFAULT_RULE_ACTIONS, lakeId: LAKE_ID });

  before(async () => {
    config = loadConfig({ env: { ...process.env, PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: path.join(home, 'lake') } });
    layout = new LakeLayout(config.lakeDir);
    writeFileSync(sentinel, 'not the lake');
    await lakeIdentity(config.lakeDir);
    db = await openDuckDB({ threads: 1 });
    const deps = { config, db, lakeId: LAKE_ID };
    acts = {
      ...createBronzeActivities(deps),
      ...createSilverActivities(deps),
      ...createGoldActivities(deps),
      ...createCompensationActivities(deps),
      ...createFailureActivities(deps),
    };
    const value = JSON.stringify({ client_id: 'victim', timestamp: '2026-11-20T10:00:00Z', event_type: 'e', status: 'active', amount: 1 });
    const row: Cell[] = ['events', 0, 0n, null, value, value.length, 0n, 'victim', good.batchId, 0n];
    await withConnection(db, async (conn) => {
      await writeParquet(conn, await stageRows(conn, 'raw', RAW_COLUMNS, [row]), layout.rawFile(good.topic, good.batchId));
    });
    // The other client's tables, which a crafted reference of acme's aims at.
    for (const step of [acts.bronzeBatch, acts.silverBatch, acts.goldBatch]) await run(step, input('victim', good));
  });
  after(() => {
    db.closeSync();
    rmSync(home, { recursive: true, force: true });
  });

  /** References an attacker could put in a batchReady signal to acme's workflow. */
  const crafted = (): BatchRef[] => [
    { ...good, batchId: `../${path.basename(layout.bronzeDir('victim'))}/${good.batchId}` },
    { ...good, batchId: path.relative(layout.bronzeDir('acme'), sentinel).replace(/\.parquet$/, '') },
    { topic: '../../..', seq: 0, batchId: '../../...000000000', records: 1 },
    { topic: '..', seq: 0, batchId: '...000000000', records: 1 },
    { ...good, topic: 'events/../../x', batchId: 'events/../../x.000000000' },
    { ...good, seq: -1, batchId: 'events.0000000-1' },
    { ...good, seq: 1.5, batchId: 'events.0000001.5' },
    { ...good, batchId: 'events.000000001' },
    null as unknown as BatchRef,
  ];

  it('bronze, silver and gold refuse each one as a non-retryable InvalidInput, touching no file', async () => {
    const before = tree(home);
    for (const batch of crafted()) {
      for (const step of [acts.bronzeBatch, acts.silverBatch, acts.goldBatch]) {
        await assert.rejects(run(step, input('acme', batch)), isInvalidInput, JSON.stringify(batch));
      }
    }
    assert.deepEqual(tree(home), before);
    assert.ok(existsSync(sentinel));
  });

  it('compensation removes nothing for them, and the failure is recorded under a name of its own', async () => {
    const before = tree(home);
    for (const batch of crafted()) {
      await run(acts.discardClientBatch, input('acme', batch));
      await run(acts.recordBatchFailure, { ...input('acme', batch), error: 'refused', errorType: ErrorType.InvalidInput });
    }
    const added = tree(home).filter((f) => !before.includes(f));
    const errorsDir = path.relative(home, path.dirname(layout.errorsFile('batch', 'acme', 'x')));
    const ownFolders = (f: string) => `${errorsDir}${path.sep}`.startsWith(`${f}${path.sep}`);
    assert.deepEqual(
      added.filter((f) => !ownFolders(f) && !f.startsWith(`${errorsDir}${path.sep}refused-`)),
      [],
      'only acme’s own error folder gains files',
    );
    assert.equal(added.filter((f) => /refused-[0-9a-f]{16}\.parquet$/.test(f)).length, crafted().length);
    assert.ok(
      before.every((f) => existsSync(path.join(home, f))),
      'nothing was removed',
    );
    const [row] = await querySql(
      config,
      `SELECT count(*) AS n, count(DISTINCT batch_id) AS ids FROM pipeline_errors WHERE client_id = 'acme' AND layer = 'batch'`,
    );
    assert.deepEqual(row, { n: BigInt(crafted().length), ids: BigInt(crafted().length) });
    assert.deepEqual(await querySql(config, 'SELECT count(*) AS n FROM bronze_victim'), [{ n: 1n }]);
  });

  it('the ingest activities refuse a bad topic or sequence number before touching any file', async () => {
    const ingest = fileOnlyIngest();
    try {
      const before = tree(ingest.layout.dir);
      const { activities: a, settings } = ingest;
      for (const topic of ['..', '.', '../x', 'a/b', '']) {
        const bad = { ...settings, topic };
        await assert.rejects(run(a.ingestBatch, { settings: bad, seq: 0, nextOffsets: {}, stopAt: null }), isInvalidInput, topic);
        await assert.rejects(run(a.dispatchBatch, { settings: bad, seq: 0 }), isInvalidInput, topic);
        await assert.rejects(run(a.recoverIngestPosition, { topic, lakeId: settings.lakeId }), isInvalidInput, topic);
        await assert.rejects(run(a.endOffsets, { topic }), isInvalidInput, topic);
      }
      for (const seq of [-1, 0.5, Number.NaN, 2 ** 60]) {
        await assert.rejects(run(a.ingestBatch, { settings, seq, nextOffsets: {}, stopAt: null }), isInvalidInput, String(seq));
        await assert.rejects(run(a.dispatchBatch, { settings, seq }), isInvalidInput, String(seq));
      }
      assert.deepEqual(tree(ingest.layout.dir), before);
      assert.equal(TOPIC, settings.topic);
    } finally {
      ingest.cleanup();
    }
  });

  it("writes the lake's files and folders for their owner only", () => {
    const lakeRoot = path.dirname(config.lakeDir);
    const entries = tree(lakeRoot).map((f) => path.join(lakeRoot, f));
    assert.ok(entries.some((f) => f.endsWith('.parquet')) && entries.some((f) => f.endsWith('.json')));
    for (const p of [config.lakeDir, ...entries]) {
      const st = statSync(p);
      assert.equal((st.mode & 0o777).toString(8), st.isDirectory() ? '700' : '600', p);
    }
  });
});
