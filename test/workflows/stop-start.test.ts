/**
 * `pipeline stop --all` in the middle of traffic, more traffic while stopped, then
 * `pipeline start --all`: every table exact (nothing lost, nothing twice) and the clients' counters
 * carried across the stop.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startPipeline } from '../../adapters/temporal/start';
import { stopPipeline } from '../../adapters/temporal/stop';
import { connectClient } from '../../adapters/temporal/client';
import { demoClientIds, generateDemo } from '../../domain/demo';
import { produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { ingestWorkflowId } from '../../contract/ids';
import { PIPELINE_STATE } from '../../contract/search-attributes';
import { expectedTables } from '../e2e/expectations';
import { isolatedEnv, requireServices, startHarness, terminateWorkflows, waitFor } from '../helpers';
import type { PipelineHarness } from '../helpers';

const CLIENTS = demoClientIds(3);
const COUNT = 3000;

describe('pipeline stop and start under traffic (real Kafka, real Temporal)', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await startHarness(
      'stop',
      {
        PIPELINE_KNOWN_CLIENTS: CLIENTS.join(','),
        PIPELINE_AUTO_DISCOVER: 'false',
        PIPELINE_BATCH_MAX_MESSAGES: '300',
        PIPELINE_BATCH_MAX_WAIT_MS: '200',
      },
      { partitions: 2 },
    );
  });
  after(() => h.close());

  const cli = async (...args: string[]) =>
    (
      await promisify(execFile)(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../scripts/pipeline.ts'), ...args], {
        env: h.t.env,
      })
    ).stdout;

  it('stops after the batches in flight and continues exactly there', async () => {
    const { config } = h.t;
    const topic = config.target.topic;
    const sql = (q: string) => querySql(config, q);
    const messages = generateDemo({ count: COUNT, clients: CLIENTS.length, seed: 77 });
    const expected = expectedTables(messages, CLIENTS);
    await startPipeline(config, h.temporal);

    const firstHalf = (async () => {
      for (let i = 0; i < COUNT / 2; i += 150) {
        await produceMessages(h.kafka, topic, messages.slice(i, i + 150));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    await waitFor(
      'batches in flight',
      async () => {
        const s = await h.status();
        return s.ingest !== null && s.ingest.batches >= 2 && s.clients.some((c) => c.busy || c.queued > 0);
      },
      120_000,
      50,
    );
    const stopped = JSON.parse(await cli('stop', '--all', '--json')) as { kind: string; outcome: string }[];
    assert.deepEqual(
      stopped.map((s) => [s.kind, s.outcome]),
      [['ingest', 'stopped'], ...CLIENTS.map((): [string, string] => ['client', 'stopped'])],
    );
    await firstHalf;

    const ingest = await h.temporal.workflow.getHandle(ingestWorkflowId(config.temporal.workflowIdPrefix, topic)).describe();
    assert.equal(ingest.status.name, 'COMPLETED');
    assert.equal(ingest.typedSearchAttributes.get(PIPELINE_STATE), 'stopped');
    const whileStopped = await h.status();
    for (const c of whileStopped.clients) {
      assert.equal(c.state, 'stopped', c.clientId);
      assert.equal(c.busy, false, `${c.clientId} finished its batch in flight`);
    }
    const processedBefore = whileStopped.clients.reduce((n, c) => n + c.totals.records, 0);
    assert.ok(processedBefore > 0, 'some traffic went through before the stop');

    await produceMessages(h.kafka, topic, messages.slice(COUNT / 2));
    await cli('start', '--all');
    let inARow = 0;
    const drained = await waitFor(
      'the pipeline to drain after start',
      async () => {
        const s = await h.status();
        inARow = s.drained ? inARow + 1 : 0;
        return inARow >= 3 ? s : null;
      },
      180_000,
      300,
    );
    // The counters went on from where they stopped: together they count every routed message once.
    const routed = messages.filter((m) => m.truth.clientId !== null).length;
    assert.equal(
      drained.clients.reduce((n, c) => n + c.totals.records, 0),
      routed,
    );
    for (const c of drained.clients) assert.equal(c.state, 'running', `${c.clientId}: ${c.lastError}`);

    const [raw] = await sql(`SELECT count(*) AS n, count(DISTINCT ("partition", "offset")) AS d FROM kafka_raw_bronze`);
    assert.deepEqual([Number(raw?.n), Number(raw?.d)], [COUNT, COUNT]);
    for (const client of CLIENTS) {
      for (const layer of ['bronze', 'silver'] as const) {
        const [r] = await sql(`SELECT count(*) AS n, count(DISTINCT ("partition", "offset")) AS d FROM "${layer}_${client}"`);
        const want = expected[layer].get(client);
        assert.deepEqual([Number(r?.n), Number(r?.d)], [want, want], `${layer}_${client}`);
      }
      const gold = await sql(`SELECT strftime(window_start, '%Y-%m-%dT%H:%M:%S.000Z') AS ws, event_type, event_count
                              FROM "gold_${client}_summary" ORDER BY window_start, event_type`);
      assert.deepEqual(
        gold.map((g) => [g.ws, g.event_type, Number(g.event_count)]),
        (expected.gold.get(client) ?? []).map((g) => [g.window_start, g.event_type, g.event_count]),
        `gold_${client}_summary`,
      );
    }
  });
});

describe('pipeline stop without a worker', () => {
  it('says so after its deadline instead of waiting forever', async () => {
    const t = isolatedEnv('stop-no-worker', { PIPELINE_KNOWN_CLIENTS: 'acme' });
    await requireServices(t.config);
    const temporal = await connectClient(t.config);
    try {
      await startPipeline(t.config, temporal);
      await assert.rejects(stopPipeline(t.config, temporal, { timeoutMs: 1500 }), /-ingest-.* did not stop in time \(is a worker running\?\)/);
      await assert.rejects(stopPipeline(t.config, temporal, { clients: ['acme'], timeoutMs: 1500 }), /-client-acme did not stop in time/);
    } finally {
      await terminateWorkflows(temporal, t.config.temporal.workflowIdPrefix);
      await temporal.connection.close();
      t.cleanupLake();
    }
  });
});
