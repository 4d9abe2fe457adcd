/**
 * Hostile messages through the pure message path: each becomes exactly one pipeline_errors row
 * with a bounded raw value, and never an exception that would fail its batch.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import { ClientAdmission } from '../../domain/client-admission';
import { silverFields } from '../../domain/event';
import { routeBatch } from '../../domain/router';
import type { RawMessage } from '../../domain/router';
import { checkSilver } from '../../domain/rules';
import { applyRules, failureMessage } from '../../domain/quality';
import { ConfigSchema } from '../../config/schema';
import { hostileValues, deepJson } from './hostile-values';

const RAW_VALUE_CHARS = 200;
const msg = (offset: number, value: Buffer | string): RawMessage => ({
  partition: 0,
  offset: String(offset),
  key: null,
  value: typeof value === 'string' ? Buffer.from(value) : value,
  timestamp: '1763632800000',
});
const ctx = (clients = new ClientAdmission({ known: ['acme'], discovered: [], autoDiscover: false, maxDiscovered: 10 })) => ({
  topic: 't',
  batchId: 't.000000001',
  ingestedAtMicros: 1n,
  clients,
  ruleActions: DEFAULT_RULE_ACTIONS,
  maxMessageBytes: 1 << 20,
  rawValueChars: RAW_VALUE_CHARS,
});
const ok = (fields: Record<string, unknown> = {}) => JSON.stringify({ client_id: 'acme', timestamp: '2026-11-20T10:00:00Z', ...fields });

describe('hostile messages at routing', () => {
  for (const [name, value] of Object.entries(hostileValues)) {
    it(`${name}: one error row, bounded, and the batch's good record still routed`, () => {
      const routed = routeBatch([msg(0, ok()), msg(1, value), msg(2, ok())], ctx());
      assert.equal(routed.rawRows.length, 3);
      assert.equal(routed.errorRows.length, 1, JSON.stringify(routed.errorRows.map((r) => r[5])));
      const [row] = routed.errorRows;
      assert.equal(row?.[9], 1n);
      assert.ok(String(row?.[10]).length <= RAW_VALUE_CHARS + 40, 'raw_value is bounded');
      assert.equal(routed.clientCounts.acme, 2);
    });
  }

  it('a value nested 5,000 and 100,000 levels deep is malformed_json, not a stack overflow later', () => {
    const deepData = `{"client_id":"acme","timestamp":"2026-11-20T10:00:00Z","data":${deepJson(5000)}}`;
    const routed = routeBatch([msg(0, deepData), msg(1, deepJson(100_000))], ctx());
    assert.deepEqual(
      routed.errorRows.map((r) => r[4]),
      [['malformed_json'], ['malformed_json']],
    );
    assert.match(String(routed.errorRows[0]?.[5]), /nests deeper than/);
  });

  it('a lone surrogate is malformed_json, so client_list never reads it', () => {
    const routed = routeBatch([msg(0, ok({ client_name: '\ud800' })), msg(1, ok({ client_name: 'Acme 😀' }))], ctx());
    assert.deepEqual(
      routed.errorRows.map((r) => [r[1], r[4]]),
      [[null, ['malformed_json']]],
    );
    assert.equal(routed.rawRows[0]?.[7], null, 'the raw row names no client');
  });

  it('duplicate top-level keys are malformed_json (JavaScript and DuckDB would read different values)', () => {
    const routed = routeBatch(
      [msg(0, '{"client_id":"acme","client_id":"globex","timestamp":"2026-11-20T10:00:00Z"}'), msg(1, ok({ data: { a: 1 } }))],
      ctx(),
    );
    assert.deepEqual(
      routed.errorRows.map((r) => r[4]),
      [['malformed_json']],
    );
    assert.match(String(routed.errorRows[0]?.[5]), /duplicate top-level key/);
  });

  it('counts clients named like Object.prototype members as ordinary clients', () => {
    const clients = new ClientAdmission({ known: [], discovered: [], autoDiscover: true, maxDiscovered: 10 });
    const routed = routeBatch(
      ['constructor', 'toString', 'constructor', 'hasOwnProperty'].map((c, i) => msg(i, ok({ client_id: c }))),
      ctx(clients),
    );
    assert.deepEqual({ ...routed.clientCounts }, { constructor: 2, toString: 1, hasOwnProperty: 1 });
    assert.equal(routed.errorRows.length, 0);
  });
});

describe('client ids: one spelling per case-insensitive name, and a discovery limit', () => {
  it('refuses an id that differs only in case from a known or earlier discovered one', () => {
    const clients = new ClientAdmission({ known: ['Acme'], discovered: ['globex'], autoDiscover: true, maxDiscovered: 10 });
    const routed = routeBatch(
      ['Acme', 'acme', 'GLOBEX', 'globex', 'Initech', 'initech'].map((c, i) => msg(i, ok({ client_id: c }))),
      ctx(clients),
    );
    assert.deepEqual({ ...routed.clientCounts }, { Acme: 1, globex: 1, Initech: 1 });
    assert.deepEqual(
      routed.errorRows.map((r) => [r[1], r[4]]),
      [
        [null, ['valid_client_id']],
        [null, ['valid_client_id']],
        [null, ['valid_client_id']],
      ],
    );
    assert.deepEqual(clients.newlyDiscovered(), ['Initech']);
  });

  it('admits at most maxDiscovered new clients; further ones are unknown_client', () => {
    const clients = new ClientAdmission({ known: ['acme'], discovered: ['c0'], autoDiscover: true, maxDiscovered: 3 });
    const routed = routeBatch(
      ['c1', 'c2', 'c3', 'c1', 'acme'].map((c, i) => msg(i, ok({ client_id: c }))),
      ctx(clients),
    );
    assert.deepEqual({ ...routed.clientCounts }, { c1: 2, c2: 1, acme: 1 });
    assert.deepEqual(
      routed.errorRows.map((r) => [r[1], r[4]]),
      [['c3', ['unknown_client']]],
    );
  });

  it('does not admit a formerly discovered client once auto-discovery is off', () => {
    const clients = new ClientAdmission({ known: ['acme'], discovered: ['c0'], autoDiscover: false, maxDiscovered: 3 });
    assert.deepEqual(clients.admit('c0'), { ok: false, rule: 'unknown_client', reason: 'client c0 is not a known client and auto-discovery is off' });
  });
});

describe('silver: amounts and failure messages', () => {
  it('valid_amount admits 0 to 1e15 only, so gold sums stay finite and exact', () => {
    for (const amount of [0, 12.5, 1e15]) assert.deepEqual(checkSilver({ event_type: 'x', status: 'active', amount }).broken, [], String(amount));
    for (const amount of [1e308, 1e15 + 1, -1, '1', 'NaN', 'Infinity']) {
      assert.deepEqual(checkSilver({ event_type: 'x', status: 'active', amount }).broken, ['valid_amount'], String(amount));
    }
    // JSON numbers beyond double range parse to Infinity.
    assert.deepEqual(checkSilver(JSON.parse('{"event_type":"x","status":"active","amount":1e400}') as Record<string, unknown>).broken, [
      'valid_amount',
    ]);
  });

  it('a fail rule fails the batch with counts and rule names, never field text', () => {
    const secret = 'field-text-from-a-message';
    const message = { event_type: 'x', status: secret, amount: 1 };
    const result = applyRules([{ record: { partition: 0, offset: 7n }, ...checkSilver(message) }], ['valid_status'], {
      ...DEFAULT_RULE_ACTIONS,
      valid_status: 'fail',
    });
    const text = failureMessage(result.failing, 1);
    assert.ok(!text.includes(secret), text);
    assert.match(text, /1 of 1 records broke rules with action "fail": valid_status \(first at partition 0, offset 7\)/);
  });

  it('silver fields of a routed message serialize without error', () => {
    const f = silverFields(JSON.parse(ok({ data: JSON.parse(deepJson(60)) as unknown })) as Record<string, unknown>);
    assert.ok(f.dataJson !== null);
  });
});

describe('config: the canonical form of client ids', () => {
  const base = {
    targets: { dev: { namespace: 'n', lakePrefix: 'dev', topic: 't', consumerGroup: 'g' } },
    kafka: { brokers: ['h:1'] },
    temporal: { address: 'h:2' },
    batch: {},
  };
  it('refuses known clients that differ only in case, and bounds discovery by default', () => {
    const bad = ConfigSchema.safeParse({ ...base, clients: { known: ['Acme', 'acme'] } });
    assert.equal(bad.success, false);
    const good = ConfigSchema.parse({ ...base, clients: { known: ['Acme', 'globex'] } });
    assert.equal(good.clients.maxDiscovered, 1000);
  });
});
