/**
 * A client run that takes its records from the ingest's hand-off (activities/routed-slices.ts)
 * writes exactly what a run that reads them back from the raw file writes: the same bronze,
 * silver and gold rows, error rows and quality metrics. Two lakes on real DuckDB, the same raw
 * batch in each; only one of them is handed the router's records.
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
import type { ClientRunInput } from '../../contract/types';
import { generateDemo } from '../../domain/demo';
import { LakeLayout } from '../../domain/lake-layout';
import { routeBatch } from '../../domain/router';
import type { RawMessage } from '../../domain/router';
import { createClientRunActivities, lakeRunLayers } from '../../activities/client-run';
import { RoutedSlices } from '../../activities/routed-slices';

const LAKE_ID = 'test-lake';
const CLIENTS = ['acme', 'globex'];
const batch = { topic: 'events', seq: 0, batchId: 'events.000000000', records: 0 };

/**
 * Every client table, and the client's error and metric rows, without the columns that hold the
 * time of writing; event times in whole microseconds (a JavaScript Date would round them to ms).
 */
const TABLE_QUERIES = CLIENTS.flatMap((c) => [
  `SELECT * EXCLUDE (processed_at) REPLACE (epoch_us(event_timestamp) AS event_timestamp, epoch_us(kafka_timestamp) AS kafka_timestamp)
   FROM bronze_${c} ORDER BY "partition", "offset"`,
  `SELECT * EXCLUDE (processed_at) REPLACE (epoch_us(event_timestamp) AS event_timestamp) FROM silver_${c} ORDER BY "partition", "offset"`,
  `SELECT * FROM gold_${c}_summary ORDER BY ALL`,
  `SELECT * EXCLUDE (error_timestamp) FROM pipeline_errors WHERE client_id = '${c}' ORDER BY ALL`,
  `SELECT * EXCLUDE (recorded_at) FROM pipeline_quality_metrics WHERE client_id = '${c}' ORDER BY ALL`,
]);

interface Lake {
  root: string;
  config: ResolvedConfig;
  db: DuckDBInstance;
  rawFile: string;
  /** The raw file's identity as its writer gave it, which the ingest hands over with the records. */
  rawIdentity: string;
}

describe('client runs handed the routed records', () => {
  // Defects of every kind, bad timestamps and silver rule breaks included, over two clients.
  const messages: RawMessage[] = generateDemo({ count: 600, clients: 2, badRatio: 0.3, seed: 11 }).map((m, i) => ({
    partition: i % 3,
    offset: String(i),
    key: m.key === null ? null : Buffer.from(m.key),
    value: m.value,
    timestamp: String(Date.UTC(2026, 10, 20) + i),
  }));
  const routed = routeBatch(messages, {
    topic: batch.topic,
    batchId: batch.batchId,
    ingestedAtMicros: 1n,
    clients: { knownClients: new Set(CLIENTS), autoDiscover: false },
    ruleActions: DEFAULT_RULE_ACTIONS,
    maxMessageBytes: 1 << 20,
    rawValueChars: 200,
  });
  const lakes: Lake[] = [];

  async function lakeWithRawBatch(): Promise<Lake> {
    const root = mkdtempSync(path.join(os.tmpdir(), 'lake-handoff-'));
    const config = loadConfig({ env: { ...process.env, PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: root } });
    const db = await openDuckDB({ threads: 1 });
    const rawFile = new LakeLayout(config.lakeDir).rawFile(batch.topic, batch.batchId);
    const { identity: rawIdentity } = await withConnection(db, (conn) => writeRawBatchFile(conn, routed.rawRows, rawFile));
    const lake = { root, config, db, rawFile, rawIdentity };
    lakes.push(lake);
    return lake;
  }

  async function runClients(lake: Lake, handoff?: RoutedSlices): Promise<void> {
    const acts = createClientRunActivities(lakeRunLayers({ config: lake.config, db: lake.db, lakeId: LAKE_ID }, handoff));
    for (const clientId of CLIENTS) {
      const input: ClientRunInput = {
        clientId,
        batches: [{ ...batch, records: routed.clientCounts[clientId] ?? 0 }],
        ruleActions: DEFAULT_RULE_ACTIONS,
        lakeId: LAKE_ID,
      };
      await new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000 }).run((i: ClientRunInput) => acts.runClientBatches(i), input);
    }
  }

  const tables = (lake: Lake) => Promise.all(TABLE_QUERIES.map((q) => querySql(lake.config, q)));

  before(async () => {
    assert.ok(
      CLIENTS.every((c) => routed.clientRecords.get(c)?.some((r) => r.broken.length > 0)),
      'some records of each client break a bronze rule',
    );
  });
  after(() => {
    for (const lake of lakes) {
      lake.db.closeSync();
      rmSync(lake.root, { recursive: true, force: true });
    }
  });

  it('writes the same rows as a run that reads the raw file, and takes every slice', async () => {
    const handed = await lakeWithRawBatch();
    const handoff = new RoutedSlices(1 << 30);
    handoff.offer(handed.rawFile, handed.rawIdentity, routed.clientRecords);
    assert.ok(handoff.heldChars > 0);
    await runClients(handed, handoff);
    assert.equal(handoff.heldChars, 0, 'both clients took their slices');

    const read = await lakeWithRawBatch();
    await runClients(read);

    const [withHandoff, fromFile] = await Promise.all([tables(handed), tables(read)]);
    assert.deepEqual(withHandoff, fromFile);
    const silverRows = (fromFile[1]?.length ?? 0) + (fromFile[6]?.length ?? 0);
    const errorRows = (fromFile[3]?.length ?? 0) + (fromFile[8]?.length ?? 0);
    assert.ok(silverRows > 300 && errorRows > 20, `${silverRows} silver rows, ${errorRows} error rows`);
  });

  it('reads the raw file when the records were offered for another version of it', async () => {
    const lake = await lakeWithRawBatch();
    const handoff = new RoutedSlices(1 << 30);
    // Offered for another version of the file: nothing of it may be used.
    const stale = new Map([...routed.clientRecords].map(([c, records]) => [c, records.map((r) => ({ ...r, eventMicros: 0n }))]));
    handoff.offer(lake.rawFile, 'another version', stale);
    await runClients(lake);
    const before = await tables(lake);
    await runClients(lake, handoff);
    assert.equal(handoff.heldChars, 0, 'the stale slices were dropped');
    assert.deepEqual(await tables(lake), before);
  });
});
