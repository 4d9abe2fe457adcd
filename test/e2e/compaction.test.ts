/**
 * Compaction on the whole stack while batches keep arriving, with the worker SIGKILLed in the
 * middle of a compaction (its new generation built in part, not yet switched in), then started
 * again: every table is exact against the independent account of the produced messages, and
 * each client's folders hold far fewer files than batches ran.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import type { TopicOffsets } from '../../adapters/kafka/kafka';
import { produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { startPipeline } from '../../adapters/temporal/start';
import { pipelineStatus } from '../../adapters/temporal/status';
import { generateDemo } from '../../domain/demo';
import { generationFolders } from '../../domain/generations';
import { isolatedEnv, openSandbox, startWorkerProcess, steadilyDrained } from '../helpers';
import type { Sandbox, WorkerProcess } from '../helpers';
import { expectedTables } from './expectations';
import { assertExactTables } from './exact-tables';

const CLIENTS = ['acme', 'globex', 'initech'];
const COUNT = 12_000;
const KILLS = 2;

describe('compaction while batches arrive, the worker SIGKILLed mid-compaction', () => {
  const t = isolatedEnv('compaction', {
    PIPELINE_KNOWN_CLIENTS: CLIENTS.join(','),
    PIPELINE_AUTO_DISCOVER: 'false',
    PIPELINE_BATCH_MAX_MESSAGES: '150',
    PIPELINE_BATCH_MAX_WAIT_MS: '200',
    PIPELINE_COMPACT_AFTER_BATCHES: '4',
  });
  const { config } = t;
  const topic = config.target.topic;
  const messages = generateDemo({ count: COUNT, clients: CLIENTS.length, seed: 11 });
  const expected = expectedTables(messages, CLIENTS);
  let sandbox: Sandbox | undefined;
  let temporal: Client;
  let kafka: Kafka;
  let offsets: TopicOffsets;
  let worker: WorkerProcess | undefined;
  const sql = (q: string) => querySql(config, q);
  const generationsOf = (client: string) => path.join(config.lakeDir, '_generations', client);

  before(async () => {
    sandbox = await openSandbox(t, 3);
    ({ temporal, kafka, offsets } = sandbox);
  });

  after(async () => {
    await worker?.stop('SIGKILL');
    await sandbox?.close();
  });

  /** Compaction generations seen live (or killed in the making): none of them is one in flight. */
  const settled = new Set<string>();

  /**
   * A compaction caught in the middle: a generation it is building holds the staged copy of a
   * folder, and has never been live. Looked for every few milliseconds, far more often than a
   * compaction takes, so the kill lands within the build.
   */
  function compactionInFlight(): string | null {
    for (const client of CLIENTS) {
      const dir = generationsOf(client);
      if (!existsSync(dir)) continue;
      const live = new Set(
        generationFolders(config.lakeDir, client).flatMap((folder) => {
          try {
            return [path.basename(path.dirname(path.resolve(path.dirname(folder), readlinkSync(folder))))];
          } catch {
            return [];
          }
        }),
      );
      for (const gen of live) settled.add(`${client}/${gen}`);
      for (const gen of readdirSync(dir)) {
        const name = `${client}/${gen}`;
        if (gen.startsWith('compact-') && !gen.endsWith('-retired') && !settled.has(name) && readdirSync(path.join(dir, gen)).length > 0) {
          return name;
        }
      }
    }
    return null;
  }

  it('kills the worker mid-compaction while traffic flows, restarts it, and drains', async () => {
    worker = startWorkerProcess(t.env);
    await worker.ready;
    await startPipeline(config, temporal);
    let producing = true;
    const traffic = (async () => {
      for (let i = 0; i < COUNT; i += 200) {
        await produceMessages(kafka, topic, messages.slice(i, i + 200));
        await new Promise((r) => setTimeout(r, 150));
      }
      producing = false;
    })();

    const killed: string[] = [];
    const deadline = Date.now() + 240_000;
    while (killed.length < KILLS && Date.now() < deadline) {
      const caught = compactionInFlight();
      if (caught === null) {
        await new Promise((r) => setTimeout(r, 2));
        continue;
      }
      worker.child.kill('SIGKILL');
      await worker.stop();
      killed.push(caught);
      settled.add(caught);
      console.log(`compaction: killed the worker during compaction ${caught} (producing: ${producing})`);
      worker = startWorkerProcess(t.env);
      await worker.ready;
    }
    assert.equal(killed.length, KILLS, `caught ${killed.length} compactions in flight: ${killed.join(', ')}`);
    await traffic;

    const drained = await steadilyDrained('the restarted worker to drain the topic', () => pipelineStatus(config, temporal, offsets), 400_000);
    assert.equal(drained.ingest?.lag, 0);
    for (const c of drained.clients) assert.equal(c.failed, 0, `${c.clientId} has failed batches: ${c.lastError}`);
  });

  it('builds exactly the expected tables, in far fewer files than batches', async () => {
    await assertExactTables(sql, expected, CLIENTS);
    for (const client of CLIENTS) {
      const [b] = await sql(`SELECT count(DISTINCT batch_id) AS n FROM "bronze_${client}"`);
      const batches = Number(b?.n);
      const files = readdirSync(path.join(config.lakeDir, `bronze_${client}`)).filter((f) => f.endsWith('.parquet'));
      console.log(`compaction: ${client} ran ${batches} batches, its bronze folder holds ${files.length} files`);
      assert.ok(
        files.some((f) => f.startsWith('compacted-')),
        `${client}: a compacted segment`,
      );
      assert.ok(files.length <= batches / 2, `${client}: ${files.length} files for ${batches} batches`);
    }
    const errors = await sql(`SELECT count(*) AS n FROM pipeline_errors WHERE layer IN ('bronze', 'silver')`);
    assert.equal(
      Number(errors[0]?.n),
      expected.errors.reduce((n, e) => n + e.n, 0),
      'one error row per dropped record, none doubled or lost',
    );
  });
});
