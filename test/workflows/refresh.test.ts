/**
 * Settings reaching running workflows and `pipeline refresh`, on the real stack: a rule changed
 * from `warn` to `drop` by `config apply` governs later batches; a refresh then rebuilds one
 * client's tables to exactly what a fresh pipeline with the new action makes of the same input,
 * while the other client keeps processing and readers only ever see the old or the new tables.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { refreshClient } from '../../adapters/temporal/client-signals';
import { startPipeline } from '../../adapters/temporal/start';
import { applySettings, configTargets } from '../../adapters/temporal/settings';
import type { StatusReport } from '../../adapters/temporal/status';
import { produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { startHarness, waitFor } from '../helpers';
import type { PipelineHarness } from '../helpers';

/** Every 10th event has a status no rule accepts. */
const event = (client: string, i: number) => ({
  key: client,
  value: Buffer.from(
    JSON.stringify({
      client_id: client,
      timestamp: `2026-11-20T${String(8 + (i % 5)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z`,
      event_type: i % 3 === 0 ? 'refund' : 'purchase',
      status: i % 10 === 3 ? 'archived' : 'active',
      amount: i + 0.5,
    }),
  ),
});
const events = (client: string, from: number, to: number) => Array.from({ length: to - from }, (_, i) => event(client, from + i));

const clientOf = (s: StatusReport, id: string) => s.clients.find((c) => c.clientId === id);

/** What a client's tables hold, without what depends on batching, topic or time. */
async function contents(h: PipelineHarness, c: string): Promise<Record<string, unknown>> {
  const q = (sql: string) => querySql(h.t.config, sql);
  return {
    bronze: await q(`SELECT client_id, event_timestamp, value FROM bronze_${c} ORDER BY ALL`),
    silver: await q(`SELECT * EXCLUDE (topic, partition, "offset", batch_id, processed_at) FROM silver_${c} ORDER BY ALL`),
    gold: await q(`SELECT * FROM gold_${c}_summary ORDER BY ALL`),
    errors: await q(`SELECT layer, table_name, rules, error_message, raw_value FROM pipeline_errors WHERE client_id = '${c}' ORDER BY ALL`),
    metrics: await q(
      `SELECT layer, rule, action, sum(records_checked) AS checked, sum(records_passed) AS passed, sum(records_failed) AS failed
       FROM pipeline_quality_metrics WHERE client_id = '${c}' GROUP BY ALL ORDER BY ALL`,
    ),
  };
}

async function harness(name: string, valid_status: 'warn' | 'drop'): Promise<PipelineHarness> {
  const h = await startHarness(
    name,
    { PIPELINE_KNOWN_CLIENTS: 'acme,globex', PIPELINE_BATCH_MAX_WAIT_MS: '200', PIPELINE_BATCH_MAX_MESSAGES: '20' },
    { ruleActions: { valid_status } },
  );
  await startPipeline(h.t.config, h.temporal);
  return h;
}

async function drained(h: PipelineHarness, what: string, done: (s: StatusReport) => boolean): Promise<StatusReport> {
  return waitFor(
    what,
    async () => {
      const s = await h.status();
      return s.drained && done(s) ? s : null;
    },
    180_000,
  );
}

describe('config apply and refresh', () => {
  let h: PipelineHarness;
  let fresh: PipelineHarness;
  before(async () => {
    h = await harness('refresh', 'warn');
    fresh = await harness('refresh-fresh', 'drop');
  });
  after(async () => {
    await h.close();
    await fresh.close();
  });

  it('applies a changed rule to later batches, and a refresh rebuilds a client to match a fresh run while the other goes on', async () => {
    const topic = h.t.config.target.topic;
    // The same input for the fresh pipeline, which drops bad statuses from the start.
    await produceMessages(fresh.kafka, fresh.t.config.target.topic, [...events('acme', 0, 200), ...events('acme', 200, 300)]);

    await produceMessages(h.kafka, topic, [...events('acme', 0, 200), ...events('globex', 0, 100)]);
    await drained(
      h,
      'the first traffic (bad statuses kept: warn)',
      (s) => clientOf(s, 'acme')?.totals.silver === 200 && clientOf(s, 'globex')?.totals.silver === 100,
    );

    h.t.config.ruleActions = { ...h.t.config.ruleActions, valid_status: 'drop' };
    const applied = await applySettings(h.temporal, await configTargets(h.t.config, h.temporal));
    assert.deepEqual(
      applied.map((a) => [a.kind, a.outcome, a.changes.map((c) => `${c.setting} ${c.from}→${c.to}`)]),
      [
        ['ingest', 'changed', ['ruleActions.valid_status "warn"→"drop"']],
        ['client', 'changed', ['ruleActions.valid_status "warn"→"drop"']],
        ['client', 'changed', ['ruleActions.valid_status "warn"→"drop"']],
      ],
    );
    assert.deepEqual((await applySettings(h.temporal, await configTargets(h.t.config, h.temporal, ['acme'])))[0]?.outcome, 'unchanged');
    // `pipeline start` sends workflows that already run only what differs.
    h.t.config.batch = { ...h.t.config.batch, maxWaitMs: 250 };
    const restarted = await startPipeline(h.t.config, h.temporal);
    assert.deepEqual(
      restarted.map((w) => [w.kind, w.settings?.outcome, w.settings?.changes.map((c) => `${c.setting} ${c.from}→${c.to}`)]),
      [
        ['ingest', 'changed', ['maxWaitMs 200→250']],
        ['client', 'unchanged', []],
        ['client', 'unchanged', []],
      ],
    );

    await produceMessages(h.kafka, topic, events('acme', 200, 300));
    await drained(h, 'later batches to drop bad statuses', (s) => clientOf(s, 'acme')?.totals.records === 300);
    const [before] = await querySql(h.t.config, `SELECT count(*) AS n FROM silver_acme`);
    assert.equal(Number(before?.n), 200 + 90, 'the 10 bad statuses of the later batches were dropped, the 20 earlier ones kept');

    // Refresh acme while globex keeps receiving traffic and a reader keeps counting acme's tables.
    const oldCounts = await counts(h);
    let producing = true;
    let g = 100;
    const producer = (async () => {
      while (producing) {
        await produceMessages(h.kafka, topic, events('globex', g, g + 10));
        g += 10;
        await new Promise((r) => setTimeout(r, 150));
      }
    })();
    const seen = new Set<string>();
    let reading = true;
    const reader = (async () => {
      while (reading) seen.add(JSON.stringify(await counts(h)));
    })();
    const globexBefore = clientOf(await h.status(), 'globex')?.processed ?? 0;
    const outcome = await refreshClient(h.t.config, h.temporal, 'acme', {});
    const globexAfter = clientOf(await h.status(), 'globex')?.processed ?? 0;
    producing = false;
    await producer;
    await new Promise((r) => setTimeout(r, 500));
    reading = false;
    await reader;

    assert.deepEqual(outcome.tables, ['bronze', 'silver', 'gold']);
    assert.deepEqual(outcome.rows, {
      bronze: 300,
      silver: 270,
      gold: (await querySql(h.t.config, 'SELECT count(*) AS n FROM gold_acme_summary')).map((r) => Number(r.n))[0],
    });
    assert.ok(globexAfter > globexBefore, `globex went on during the refresh (${globexBefore} → ${globexAfter} batches)`);
    const newCounts = await counts(h);
    assert.deepEqual(newCounts, { bronze: 300, silver: 270, gold: 270, errors: 30 });
    assert.deepEqual(oldCounts, { bronze: 300, silver: 290, gold: 290, errors: 10 });
    assert.ok(seen.has(JSON.stringify(oldCounts)) && seen.has(JSON.stringify(newCounts)), 'the reader saw the old tables, then the new ones');
    for (const s of seen) {
      const c = JSON.parse(s) as typeof newCounts;
      for (const table of ['bronze', 'silver', 'gold', 'errors'] as const) {
        assert.ok([oldCounts[table], newCounts[table]].includes(c[table]), `a reader saw ${table} = ${c[table]}, neither old nor new (${s})`);
      }
    }

    await drained(fresh, 'the fresh pipeline', (s) => clientOf(s, 'acme')?.totals.records === 300);
    assert.deepEqual(await contents(h, 'acme'), await contents(fresh, 'acme'));
  });
});

async function counts(h: PipelineHarness): Promise<{ bronze: number; silver: number; gold: number; errors: number }> {
  const [row] = await querySql(
    h.t.config,
    `SELECT (SELECT count(*) FROM bronze_acme) AS bronze, (SELECT count(*) FROM silver_acme) AS silver,
            (SELECT coalesce(sum(event_count), 0) FROM gold_acme_summary) AS gold,
            (SELECT count(*) FROM pipeline_errors WHERE client_id = 'acme' AND layer IN ('bronze', 'silver')) AS errors`,
  );
  return { bronze: Number(row?.bronze), silver: Number(row?.silver), gold: Number(row?.gold), errors: Number(row?.errors) };
}
