import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import { messageBytes, routeBatch } from '../../domain/router';
import type { RawMessage } from '../../domain/router';

const msg = (offset: number, value: unknown): RawMessage => ({
  partition: 0,
  offset: String(offset),
  key: null,
  value: value instanceof Buffer ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)),
  timestamp: '1763632800000',
});
const ctx = {
  topic: 't',
  batchId: 't.000000001',
  ingestedAtMicros: 1n,
  clients: { knownClients: new Set(['acme', 'globex']), autoDiscover: false },
  ruleActions: DEFAULT_RULE_ACTIONS,
  maxMessageBytes: 1 << 20,
  rawValueChars: 10,
};
const ok = { client_id: 'acme', timestamp: '2026-11-20T10:00:00Z' };

describe('routeBatch', () => {
  const routed = routeBatch(
    [
      msg(0, ok),
      msg(1, { ...ok, client_id: 'globex' }),
      msg(2, '{oops'),
      msg(3, { ...ok, client_id: 'ghost' }),
      msg(4, { ...ok, timestamp: 'x' }),
      msg(5, Buffer.from([0xff])),
    ],
    ctx,
  );
  it('keeps every message in the raw table, with the client id only when valid', () => {
    assert.equal(routed.rawRows.length, 6);
    assert.deepEqual(
      routed.rawRows.map((r) => r[7]),
      ['acme', 'globex', null, 'ghost', 'acme', null],
    );
  });
  it('hands routable messages to clients, bad timestamps included (bronze drops them)', () => {
    assert.deepEqual(routed.clientCounts, { acme: 2, globex: 1 });
  });
  it("gives each client its routed records as bronze checks them: the raw table's value, the parsed message, the timestamp verdict", () => {
    const records = (clientId: string) =>
      (routed.clientRecords.get(clientId) ?? []).map((r) => [r.offset, r.value, r.message.client_id, r.eventMicros, r.broken, r.reasons]);
    const at = BigInt(Date.parse(ok.timestamp)) * 1000n;
    assert.deepEqual([...routed.clientRecords.keys()].sort(), ['acme', 'globex']);
    assert.deepEqual(records('acme'), [
      [0n, routed.rawRows[0]?.[4], 'acme', at, [], []],
      [4n, routed.rawRows[4]?.[4], 'acme', null, ['not_null_timestamp'], ['timestamp is not an ISO-8601 date-time']],
    ]);
    assert.deepEqual(records('globex'), [[1n, routed.rawRows[1]?.[4], 'globex', at, [], []]]);
  });
  it('writes one error row per unroutable message, with its client when known and a bounded raw value', () => {
    assert.equal(routed.unroutable, 3);
    assert.deepEqual(
      routed.errorRows.map((r) => [r[1], r[4], r[9]]),
      [
        [null, ['malformed_json'], 2n],
        ['ghost', ['unknown_client'], 3n],
        [null, ['malformed_json'], 5n],
      ],
    );
    const raw = routed.errorRows[1]?.[10] as string;
    assert.ok(raw.startsWith('{"client_i') && raw.includes('truncated'), raw);
  });
  it('measures the routing rules', () => {
    const byRule = Object.fromEntries(routed.metricRows.map((r) => [String(r[4]), [r[6], r[7], r[8]]] as const));
    assert.deepEqual(byRule, { malformed_json: [6n, 4n, 2n], valid_client_id: [6n, 6n, 0n], unknown_client: [6n, 5n, 1n] });
  });
});

describe('a value over the size limit', () => {
  // As the topic reader keeps it: size, hash and first bytes, never the value.
  const oversized: RawMessage = {
    partition: 1,
    offset: '7',
    key: Buffer.from('k'),
    value: null,
    timestamp: '1763632800000',
    oversized: { bytes: 2_000_000, sha256: 'ab'.repeat(32), head: Buffer.from('{"client_id":"acme","data":"xxxxxxxx') },
  };
  const routed = routeBatch([oversized], ctx);
  it('lands in the raw table without its value, with its size', () => {
    assert.deepEqual(
      routed.rawRows.map((r) => [r[4], r[5], r[7]]),
      [[null, 2_000_000, null]],
    );
  });
  it('gives one malformed_json error row naming its size and hash, with a bounded prefix', () => {
    assert.equal(routed.errorRows.length, 1);
    const [row] = routed.errorRows;
    assert.deepEqual(row?.[4], ['malformed_json']);
    assert.equal(row?.[5], `message is 2000000 bytes, over the ${1 << 20}-byte limit (sha256 ${'ab'.repeat(32)})`);
    assert.equal(row?.[10], '{"client_i…[truncated: 2000000 bytes in all]');
  });
  it('costs a batch only what is kept of it', () => {
    assert.equal(messageBytes(oversized), 1 + oversized.oversized!.head.length);
  });
});
