import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidClientId } from '../../domain/client-id';
import { checkBronze, checkSilver, decodeMessageValue, isUnroutable, outcomeOf } from '../../domain/rules';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { ClientDirectory } from '../../domain/rules';

const known: ClientDirectory = { knownClients: new Set(['acme']), autoDiscover: false };
const bronze = (msg: unknown, dir: ClientDirectory = known) => checkBronze(decodeMessageValue(Buffer.from(JSON.stringify(msg)), 1 << 20), dir);
const base = { client_id: 'acme', timestamp: '2026-11-20T10:00:00Z', event_type: 'purchase', status: 'active', amount: 1 };

describe('malformed_json', () => {
  it('passes a UTF-8 JSON object', () => assert.deepEqual(bronze(base).broken, []));
  it('breaks on invalid JSON, non-objects, invalid UTF-8, null values and oversized messages', () => {
    for (const value of [
      Buffer.from('{"client_id": "acme"'),
      Buffer.from('[1,2]'),
      Buffer.from('"text"'),
      Buffer.from('null'),
      Buffer.from([0xff, 0xfe, 0x7b]),
    ]) {
      assert.deepEqual(checkBronze(decodeMessageValue(value, 1 << 20), known).broken, ['malformed_json'], value.toString('hex'));
    }
    assert.deepEqual(checkBronze(decodeMessageValue(null, 1 << 20), known).broken, ['malformed_json']);
    const big = Buffer.from(JSON.stringify({ ...base, data: { pad: 'x'.repeat(2000) } }));
    assert.equal(decodeMessageValue(big, big.length).ok, true, 'exactly at the limit passes');
    assert.equal(decodeMessageValue(big, big.length - 1).ok, false, 'one byte over fails');
  });
});

describe('valid_client_id', () => {
  it('accepts 1 and 64 characters, rejects 65 and empty', () => {
    assert.equal(isValidClientId('a'), true);
    assert.equal(isValidClientId('a'.repeat(64)), true);
    assert.equal(isValidClientId('a'.repeat(65)), false);
    assert.equal(isValidClientId(''), false);
  });
  it('accepts _ and - after the first character only', () => {
    assert.equal(isValidClientId('a_b-c'), true);
    assert.equal(isValidClientId('_abc'), false);
    assert.equal(isValidClientId('-abc'), false);
  });
  it('rejects paths, spaces, SQL, unicode and non-strings', () => {
    for (const id of ['../etc', 'a b', "a';drop table x;--", 'acmé', 'a.b', 42, null, undefined, ['acme']])
      assert.equal(isValidClientId(id), false, String(id));
  });
  it('is broken (with the router) when missing or invalid', () => {
    const v = bronze({ ...base, client_id: 'x'.repeat(65) });
    assert.deepEqual(v.broken, ['valid_client_id']);
    assert.equal(isUnroutable(v), true);
    assert.deepEqual(bronze({ ...base, client_id: undefined }).broken, ['valid_client_id']);
  });
});

describe('not_null_timestamp', () => {
  const ts = (timestamp: unknown) => bronze({ ...base, timestamp });
  it('accepts Z, +02:00, -05:30 and no offset (UTC)', () => {
    assert.equal(ts('2026-11-20T10:00:00Z').eventMicros, 1_795_168_800_000_000n);
    assert.equal(ts('2026-11-20T12:00:00+02:00').eventMicros, 1_795_168_800_000_000n);
    assert.equal(ts('2026-11-20T04:30:00-05:30').eventMicros, 1_795_168_800_000_000n);
    assert.equal(ts('2026-11-20T10:00:00').eventMicros, 1_795_168_800_000_000n);
  });
  it('breaks on missing, null, non-string, date-only, impossible dates and free text', () => {
    for (const bad of [
      undefined,
      null,
      1763632800,
      '2026-11-20',
      '2026-02-30T10:00:00Z',
      '2026-11-20T24:00:00Z',
      '2026-11-20T10:00:00+2',
      'yesterday',
      '',
    ]) {
      const v = ts(bad);
      assert.deepEqual(v.broken, ['not_null_timestamp'], String(bad));
      assert.equal(v.eventMicros, null);
      assert.equal(isUnroutable(v), false, 'a known client still gets the record and drops it in bronze');
    }
  });
});

describe('unknown_client', () => {
  it('breaks for an unknown client unless auto-discovery is on', () => {
    assert.deepEqual(bronze({ ...base, client_id: 'ghost' }).broken, ['unknown_client']);
    assert.deepEqual(bronze({ ...base, client_id: 'ghost' }, { knownClients: new Set(), autoDiscover: true }).broken, []);
  });
  it('names every broken bronze rule of a record at once', () => {
    const v = bronze({ ...base, client_id: 'ghost', timestamp: 'soon' });
    assert.deepEqual(v.broken, ['not_null_timestamp', 'unknown_client']);
    assert.equal(v.reasons.length, 2);
  });
});

describe('silver rules', () => {
  it('valid_status: exactly one of the four statuses', () => {
    for (const status of ['active', 'pending', 'completed', 'failed']) assert.deepEqual(checkSilver({ ...base, status }).broken, []);
    for (const status of ['Active', 'archived', '', null, undefined, 1])
      assert.deepEqual(checkSilver({ ...base, status }).broken, ['valid_status'], String(status));
  });
  it('valid_amount: absent, null, 0 and positive pass; -0.01, text, infinity fail', () => {
    for (const amount of [undefined, null, 0, 0.01, 1e9]) assert.deepEqual(checkSilver({ ...base, amount }).broken, [], String(amount));
    for (const amount of [-0.01, -1, '12.50', Number.POSITIVE_INFINITY, true, {}])
      assert.deepEqual(checkSilver({ ...base, amount }).broken, ['valid_amount'], String(amount));
  });
  it('valid_event_type: a non-empty string', () => {
    assert.deepEqual(checkSilver({ ...base, event_type: 'x' }).broken, []);
    for (const event_type of ['', undefined, null, 3]) assert.deepEqual(checkSilver({ ...base, event_type }).broken, ['valid_event_type']);
  });
  it('names all three silver rules when all break', () => {
    assert.deepEqual(checkSilver({ ...base, status: 'x', amount: -1, event_type: '' }).broken, ['valid_status', 'valid_amount', 'valid_event_type']);
  });
});

describe('rule actions', () => {
  it('drop by default, warn keeps, fail wins over drop', () => {
    assert.equal(outcomeOf([], DEFAULT_RULE_ACTIONS), 'keep');
    assert.equal(outcomeOf(['valid_status'], DEFAULT_RULE_ACTIONS), 'drop');
    assert.equal(outcomeOf(['valid_status'], { ...DEFAULT_RULE_ACTIONS, valid_status: 'warn' }), 'keep');
    assert.equal(outcomeOf(['valid_status', 'valid_amount'], { ...DEFAULT_RULE_ACTIONS, valid_status: 'warn' }), 'drop');
    assert.equal(outcomeOf(['valid_status', 'valid_amount'], { ...DEFAULT_RULE_ACTIONS, valid_amount: 'fail' }), 'fail');
  });
});

describe('EventMessage schema', () => {
  it('accepts exactly the messages that break no rule', async () => {
    const { EventMessage } = await import('../../domain/rules');
    const { generateDemo } = await import('../../domain/demo');
    for (const m of generateDemo({ count: 600, clients: 3, seed: 3 })) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(m.value.toString('utf8'));
      } catch {
        continue;
      }
      const clean = m.truth.rules.length === 0 || (m.truth.rules.length === 1 && m.truth.rules[0] === 'unknown_client');
      assert.equal(EventMessage.safeParse(parsed).success, clean, m.value.toString());
    }
  });
});
