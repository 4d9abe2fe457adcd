/**
 * A compaction attempt that outlived its turn (its worker cut off from Temporal; the workflow
 * took the compaction as failed and ran the client's next batch) and switches its copy of a
 * folder in only now, on real DuckDB and real files: the switch must not take away the files
 * the run wrote meanwhile.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DuckDBInstance } from '@duckdb/node-api';
import { openDuckDB, withConnection } from '../../adapters/lake/duck';
import { writeRawBatchFile } from '../../adapters/lake/raw-batch';
import { querySql } from '../../adapters/lake/sql-session';
import { loadConfig } from '../../config/load';
import type { ResolvedConfig } from '../../config/schema';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { ClientRunInput, ClientRunLayers, CompactionInput, CompactionOutcome } from '../../contract/types';
import { batchId, LakeLayout } from '../../domain/lake-layout';
import { createClientRunActivities, lakeRunLayers } from '../../activities/client-run';
import { createCompactionActivities } from '../../activities/compaction';
import { heldAtPublish } from './held-attempt.helpers';

const LAKE_ID = 'test-lake';
const TOPIC = 'events';
const PER_BATCH = 4;
const env = () => new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000, currentAttemptScheduledTimestampMs: Date.now() });

describe('a compaction attempt that switches its copy in after the next run', () => {
  const lakeRoot = mkdtempSync(path.join(os.tmpdir(), 'lake-compaction-late-'));
  let config: ResolvedConfig;
  let db: DuckDBInstance;
  let deps: { config: ResolvedConfig; db: DuckDBInstance; lakeId: string };
  const refs = [0, 1, 2].map((seq) => ({ topic: TOPIC, seq, batchId: batchId(TOPIC, seq), records: PER_BATCH }));
  const count = async (table: string) => (await querySql(config, `SELECT count(*) AS n FROM ${table}`))[0]?.n;

  const runBatch = (seq: number) =>
    env().run<[ClientRunInput], ClientRunLayers, (i: ClientRunInput) => Promise<ClientRunLayers>>(
      createClientRunActivities(lakeRunLayers(deps)).runClientBatches,
      { clientId: 'acme', batches: [refs[seq]!], ruleActions: DEFAULT_RULE_ACTIONS, lakeId: LAKE_ID },
    );
  const compact = () =>
    env().run<[CompactionInput], CompactionOutcome, (i: CompactionInput) => Promise<CompactionOutcome>>(
      createCompactionActivities(deps).compactClientTables,
      { clientId: 'acme', lakeId: LAKE_ID },
    );

  before(async () => {
    config = loadConfig({ env: { ...process.env, PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: lakeRoot } });
    db = await openDuckDB({ threads: 1 });
    deps = { config, db, lakeId: LAKE_ID };
    const layout = new LakeLayout(config.lakeDir);
    for (const ref of refs) {
      const raw = Array.from({ length: PER_BATCH }, (_, i) => {
        const value = JSON.stringify({
          client_id: 'acme',
          timestamp: `2026-11-20T1${i}:00:00Z`,
          event_type: 'buy',
          status: 'active',
          amount: ref.seq,
        });
        return [TOPIC, 0, BigInt(ref.seq * PER_BATCH + i), null, value, value.length, 0n, 'acme', ref.batchId, 0n];
      });
      await withConnection(db, async (conn) => {
        await writeRawBatchFile(conn, raw, layout.rawFile(ref.topic, ref.batchId));
      });
    }
    await runBatch(0);
    await runBatch(1);
  });
  after(() => {
    db.closeSync();
    rmSync(lakeRoot, { recursive: true, force: true });
  });

  it('is refused, and the tables keep the run’s rows; a later compaction merges them all', async () => {
    // Publishes of the bronze folder's compaction: its segment's list of batches, the segment,
    // then the switch.
    const late = heldAtPublish(3, compact);
    try {
      await late.held;
      await runBatch(2);
      assert.equal(await count('bronze_acme'), 3n * BigInt(PER_BATCH));
    } finally {
      late.letGo();
    }
    const outcome = await late.outcome;
    assert.equal(await count('bronze_acme'), 3n * BigInt(PER_BATCH), 'no batch lost from bronze');
    assert.equal(await count('silver_acme'), 3n * BigInt(PER_BATCH), 'nor from silver');
    assert.match(outcome, /bronze_acme changed while this work read it/);

    const next = await compact();
    assert.ok(next.folders > 0, 'the next compaction merges the folders');
    assert.equal(await count('bronze_acme'), 3n * BigInt(PER_BATCH));
    assert.equal(await count('silver_acme'), 3n * BigInt(PER_BATCH));
  });
});
