/**
 * Hostile messages among normal traffic of three clients, on the real broker and the real
 * Temporal dev server: each hostile message gets exactly its one pipeline_errors row (found by
 * its Kafka key), hostile text that is valid data lands as data, the normal records land
 * exactly, and every client workflow is healthy afterwards.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPipeline } from '../../adapters/temporal/start';
import { produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { startHarness, waitFor } from '../helpers';
import type { PipelineHarness } from '../helpers';
import { hostileValues } from '../unit/hostile-values';

const CLIENTS = ['acme', 'globex', 'initech'];
const PER_CLIENT = 150;
const event = (client: string, fields: Record<string, unknown> = {}) =>
  JSON.stringify({ client_id: client, timestamp: '2026-11-20T10:00:00Z', event_type: 'purchase', status: 'active', amount: 2.5, ...fields });

const ROUTER_RULES: Record<string, string[]> = {
  'unknown client': ['unknown_client'],
  'traversal in client_id': ['valid_client_id'],
  'SQL injection in client_id': ['valid_client_id'],
  'quote in client_id': ['valid_client_id'],
  'control characters in client_id': ['valid_client_id'],
  '10,000-character client_id': ['valid_client_id'],
  'client_id as a number': ['valid_client_id'],
  'client_id as an object': ['valid_client_id'],
  'missing client_id': ['valid_client_id'],
  'case variant of a known client': ['valid_client_id'],
};
/** Hostile values a client's own layers drop, with the layer and rule. */
const LAYER_CASES: Record<string, { value: string; layer: string; rules: string[] }> = {
  'amount 1e308': { value: event('globex', { amount: 1e308 }), layer: 'silver', rules: ['valid_amount'] },
  'amount beyond double range': { value: event('globex').replace('"amount":2.5', '"amount":1e400'), layer: 'silver', rules: ['valid_amount'] },
  'amount beyond double precision': {
    value: event('globex').replace('"amount":2.5', '"amount":123456789012345678901234567890'),
    layer: 'silver',
    rules: ['valid_amount'],
  },
  'NaN-like amount': { value: event('globex', { amount: 'NaN' }), layer: 'silver', rules: ['valid_amount'] },
  'injection in status': { value: event('globex', { status: "active'; DROP TABLE silver_globex; --" }), layer: 'silver', rules: ['valid_status'] },
  'timestamp in year 0': { value: event('initech', { timestamp: '0000-01-01T00:00:00Z' }), layer: 'bronze', rules: ['not_null_timestamp'] },
  'timestamp in year 99999': { value: event('initech', { timestamp: '99999-01-01T00:00:00Z' }), layer: 'bronze', rules: ['not_null_timestamp'] },
};
/** Hostile-looking text in fields that accept any string: it stays data. */
const DATA_CASES: Record<string, string> = {
  'traversal in metadata': event('acme', { metadata: { source: '../../../etc/passwd', region: "x'); DROP TABLE y; --" } }),
  'control characters in event_type': event('acme', { event_type: 'a\u0000\u001b[31m' }),
  'prototype keys in data': event('acme', { data: { __proto__: 1, constructor: { prototype: 2 } } }),
};

describe('hostile messages among normal traffic (real Kafka, real Temporal)', () => {
  let h: PipelineHarness;
  const sql = (q: string) => querySql(h.t.config, q);
  const routerCases = Object.entries(hostileValues).filter(([name]) => name !== 'over maxMessageBytes'); // over the broker's own limit
  const total = CLIENTS.length * PER_CLIENT + routerCases.length + Object.keys(LAYER_CASES).length + Object.keys(DATA_CASES).length;

  before(async () => {
    h = await startHarness('hostile', {
      PIPELINE_KNOWN_CLIENTS: CLIENTS.join(','),
      PIPELINE_BATCH_MAX_MESSAGES: '200',
      PIPELINE_BATCH_MAX_WAIT_MS: '300',
    });
  });
  after(() => h.close());

  it('drains every message with every client workflow healthy', { timeout: 120_000 }, async () => {
    const normal = CLIENTS.flatMap((c) => Array.from({ length: PER_CLIENT }, (_, i) => ({ key: c, value: Buffer.from(event(c, { seq: i })) })));
    const hostile = [
      ...routerCases.map(([name, value]) => ({ key: name, value: Buffer.from(value) })),
      ...Object.entries(LAYER_CASES).map(([name, c]) => ({ key: name, value: Buffer.from(c.value) })),
      ...Object.entries(DATA_CASES).map(([name, value]) => ({ key: name, value: Buffer.from(value) })),
    ];
    // Hostile messages spread among the normal ones, so they share batches with them.
    const mixed = normal.flatMap((m, i) => (i % 12 === 0 && hostile.length > 0 ? [m, hostile.pop() as (typeof hostile)[number]] : [m]));
    mixed.push(...hostile);
    assert.equal(mixed.length, total);
    await startPipeline(h.t.config, h.temporal);
    await produceMessages(h.kafka, h.t.config.target.topic, mixed, { chunk: 50 });
    const rawCount = async () => Number((await sql('SELECT count(*) AS n FROM kafka_raw_bronze'))[0]?.n);
    await waitFor('the pipeline to drain', async () => (await h.status()).drained && (await rawCount()) === total, 100_000);
    const status = await h.status();
    assert.deepEqual(status.clients.map((c) => c.clientId).sort(), CLIENTS);
    for (const c of status.clients) {
      assert.equal(c.failed, 0, `${c.clientId} has failed batches: ${c.lastError}`);
      assert.equal(c.state, 'running');
    }
    const [failedBatches] = await sql(`SELECT count(*) AS n FROM pipeline_errors WHERE layer NOT IN ('bronze', 'silver')`);
    assert.equal(Number(failedBatches?.n), 0);
  });

  it('gives each hostile message exactly its error row, with a bounded raw value', async () => {
    const rows = await sql(`
      SELECT r.key, e.layer, to_json(e.rules)::VARCHAR AS rules, length(e.raw_value) AS len
      FROM kafka_raw_bronze r JOIN pipeline_errors e USING ("partition", "offset")
      ORDER BY r.key`);
    const byKey = new Map<string, { layer: string; rules: string[]; len: number }[]>();
    for (const r of rows) {
      const list = byKey.get(String(r.key)) ?? [];
      list.push({ layer: String(r.layer), rules: JSON.parse(String(r.rules)) as string[], len: Number(r.len) });
      byKey.set(String(r.key), list);
    }
    for (const [name] of routerCases) {
      assert.deepEqual(
        byKey.get(name)?.map((e) => [e.layer, e.rules]),
        [['bronze', ROUTER_RULES[name] ?? ['malformed_json']]],
        name,
      );
    }
    for (const [name, c] of Object.entries(LAYER_CASES)) {
      assert.deepEqual(
        byKey.get(name)?.map((e) => [e.layer, e.rules]),
        [[c.layer, c.rules]],
        name,
      );
    }
    for (const key of [...CLIENTS, ...Object.keys(DATA_CASES)]) assert.equal(byKey.get(key), undefined, `${key} has no error rows`);
    const limit = h.t.config.limits.rawValueChars;
    for (const [key, list] of byKey) for (const e of list) assert.ok(e.len <= limit + 40, `${key}: raw_value of ${e.len} chars`);
  });

  it('lands the normal records and the hostile-looking data exactly, and client_list stays readable', async () => {
    for (const c of CLIENTS) {
      const [r] = await sql(
        `SELECT count(*) AS n, count(DISTINCT ("partition", "offset")) AS d FROM silver_${c} WHERE event_type = 'purchase' AND source IS NULL AND "data" IS NULL`,
      );
      assert.deepEqual([Number(r?.n), Number(r?.d)], [PER_CLIENT, PER_CLIENT], c);
    }
    const [data] = await sql(
      `SELECT count(*) AS n FROM silver_acme WHERE source = '../../../etc/passwd' OR event_type LIKE 'a%' OR "data" LIKE '%prototype%'`,
    );
    assert.equal(Number(data?.n), Object.keys(DATA_CASES).length);
    // The raw table keeps the id an unknown client claimed; no invalid or case-variant id is listed.
    const list = await sql('SELECT client_id, client_name FROM client_list ORDER BY client_id');
    assert.deepEqual(
      list.map((r) => r.client_id),
      [...CLIENTS, 'ghost'].sort(),
    );
    const gold = await sql(`SELECT sum(total_amount) AS t FROM gold_globex_summary`);
    assert.equal(Number(gold[0]?.t), PER_CLIENT * 2.5);
  });
});
