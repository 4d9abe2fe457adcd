/**
 * Property-based fuzzing of the message path on real DuckDB and real files: generated batches
 * mixing valid events, near-valid ones and hostile values go through the router (as the ingest
 * activity runs it) and the real bronze and silver activities. Every message must land in
 * kafka_raw_bronze once, and in exactly one of its client's silver table or pipeline_errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DuckDBInstance } from '@duckdb/node-api';
import { openDuckDB, stageRows, withConnection, writeParquet, writeParquetOrRemove } from '../../adapters/lake/duck';
import { addDiscoveredClients, readDiscoveredClients } from '../../adapters/lake/client-registry';
import { querySql } from '../../adapters/lake/sql-session';
import { loadConfig } from '../../config/load';
import type { ResolvedConfig } from '../../config/schema';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { ClientBatchInput } from '../../contract/types';
import { ClientAdmission } from '../../domain/client-admission';
import { batchId as makeBatchId, LakeLayout, ROUTER_SCOPE, tableName } from '../../domain/lake-layout';
import { routeBatch } from '../../domain/router';
import type { RawMessage } from '../../domain/router';
import { ERROR_COLUMNS, RAW_COLUMNS } from '../../domain/tables';
import { createBronzeActivities } from '../../activities/bronze';
import { createSilverActivities } from '../../activities/silver';
import { hostileMessage } from './fuzz-arbitraries';

const LAKE_ID = 'fuzz-lake';
const TOPIC = 'events';
const BATCHES = 10;
const BATCH_SIZE = 1000; // BATCHES x BATCH_SIZE generated messages
const MAX_MESSAGE_BYTES = 16_384;

describe('fuzzing the message path through the real bronze and silver activities', () => {
  const lakeRoot = mkdtempSync(path.join(os.tmpdir(), 'lake-fuzz-'));
  let config: ResolvedConfig;
  let layout: LakeLayout;
  let db: DuckDBInstance;
  let acts: ReturnType<typeof createBronzeActivities> & ReturnType<typeof createSilverActivities>;
  let seq = 0;
  let total = 0;

  before(async () => {
    config = loadConfig({ env: { ...process.env, PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: lakeRoot } });
    layout = new LakeLayout(config.lakeDir);
    db = await openDuckDB({ threads: 1 });
    const deps = { config, db, lakeId: LAKE_ID };
    acts = { ...createBronzeActivities(deps), ...createSilverActivities(deps) };
  });
  after(() => {
    db.closeSync();
    rmSync(lakeRoot, { recursive: true, force: true });
  });

  /** What the ingest activity does with a batch it read, then each client's bronze and silver. */
  async function runBatch(values: readonly Buffer[]): Promise<{ batchId: string; clients: string[] }> {
    const batchId = makeBatchId(TOPIC, seq);
    const messages: RawMessage[] = values.map((value, i) => ({ partition: i % 3, offset: String(i), key: null, value, timestamp: '1763632800000' }));
    const discovered = await readDiscoveredClients(config.lakeDir);
    const clients = new ClientAdmission({ known: ['acme', 'globex'], discovered, autoDiscover: true, maxDiscovered: 4 });
    const routed = routeBatch(messages, {
      topic: TOPIC,
      batchId,
      ingestedAtMicros: 1n,
      clients,
      ruleActions: DEFAULT_RULE_ACTIONS,
      maxMessageBytes: MAX_MESSAGE_BYTES,
      rawValueChars: config.limits.rawValueChars,
    });
    await withConnection(db, async (conn) => {
      const raw = await stageRows(conn, 'raw', RAW_COLUMNS, routed.rawRows);
      await writeParquet(conn, `${raw} ORDER BY client_id NULLS LAST, "partition", "offset"`, layout.rawFile(TOPIC, batchId));
      await writeParquetOrRemove(
        conn,
        await stageRows(conn, 'router_errors', ERROR_COLUMNS, routed.errorRows),
        layout.errorsFile('bronze', ROUTER_SCOPE, batchId),
      );
    });
    await addDiscoveredClients(config.lakeDir, discovered, clients.newlyDiscovered());
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000, currentAttemptScheduledTimestampMs: 1_000 });
    for (const [clientId, records] of Object.entries(routed.clientCounts)) {
      const input: ClientBatchInput = {
        clientId,
        batch: { topic: TOPIC, seq, batchId, records },
        ruleActions: DEFAULT_RULE_ACTIONS,
        lakeId: LAKE_ID,
      };
      await env.run((i) => acts.bronzeBatch(i), input);
      await env.run((i) => acts.silverBatch(i), input);
    }
    seq += 1;
    return { batchId, clients: Object.keys(routed.clientCounts) };
  }

  async function checkBatch(batchId: string, count: number, clients: readonly string[]): Promise<void> {
    const bid = `'${batchId}'`; // batch ids are made by batchId(): no quotes
    const [raw] = await querySql(
      config,
      `SELECT count(*) AS n, count(DISTINCT ("partition", "offset")) AS d FROM kafka_raw_bronze WHERE batch_id = ${bid}`,
    );
    assert.deepEqual(raw, { n: BigInt(count), d: BigInt(count) }, 'each message once in kafka_raw_bronze');
    const silver = clients.map((c) => `SELECT "partition", "offset", client_id, 'silver' AS t FROM "${tableName.silver(c)}" WHERE batch_id = ${bid}`);
    const landed = [`SELECT "partition", "offset", client_id, 'errors' AS t FROM pipeline_errors WHERE batch_id = ${bid}`, ...silver].join(
      ' UNION ALL ',
    );
    const wrong = await querySql(
      config,
      `WITH landed AS (${landed})
       SELECT r."partition", r."offset", r.client_id, list(l.t) AS tables, list(l.client_id) AS clients
       FROM (SELECT * FROM kafka_raw_bronze WHERE batch_id = ${bid}) r
       LEFT JOIN landed l USING ("partition", "offset")
       GROUP BY ALL
       HAVING count(l.t) <> 1 OR (list(l.client_id)[1] IS DISTINCT FROM r.client_id AND list(l.t)[1] = 'silver')
       LIMIT 5`,
    );
    assert.deepEqual(wrong, [], 'each message once in its own client silver table or in pipeline_errors');
    const [bounded] = await querySql(config, `SELECT max(length(raw_value)) AS m FROM pipeline_errors WHERE batch_id = ${bid}`);
    assert.ok(Number((bounded as { m: bigint | null }).m ?? 0) <= config.limits.rawValueChars + 40, 'raw values are bounded');
  }

  it(`lands ${BATCHES * BATCH_SIZE} generated messages exactly once`, { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(hostileMessage(MAX_MESSAGE_BYTES), { minLength: BATCH_SIZE, maxLength: BATCH_SIZE }), async (values) => {
        const { batchId, clients } = await runBatch(values);
        await checkBatch(batchId, values.length, clients);
        total += values.length;
      }),
      {
        numRuns: BATCHES,
        endOnFailure: true,
        // The seed and the error only: a counterexample of a thousand values would flood the log.
        reporter: (run) => {
          if (run.failed) throw new Error(`fuzzing failed (seed ${run.seed}, path ${run.counterexamplePath}): ${String(run.errorInstance)}`);
        },
      },
    );
    assert.ok(total >= 10_000);
  });
});
