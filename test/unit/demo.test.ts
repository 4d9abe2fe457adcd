import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFECT_KINDS, generateDemo } from '../../domain/demo';
import { checkBronze, checkSilver, decodeMessageValue, isUnroutable } from '../../domain/rules';

// The demo states what each message is meant to break; the rules must agree, message by message.
describe('demo traffic', () => {
  const messages = generateDemo({ count: 3000, clients: 3, seed: 1 });
  const directory = { knownClients: new Set(['acme', 'globex', 'initech']), autoDiscover: false };

  it('is deterministic for a seed', () => {
    assert.deepEqual(generateDemo({ count: 50, clients: 2, seed: 9 }), generateDemo({ count: 50, clients: 2, seed: 9 }));
  });
  it('holds every kind of defect, valid and late records', () => {
    const kinds = new Set(messages.map((m) => m.truth.kind));
    for (const kind of [...DEFECT_KINDS, 'valid', 'late']) assert.ok(kinds.has(kind as never), kind);
  });
  it('breaks exactly the rules its truth names, at the layer it names', () => {
    for (const m of messages) {
      const verdict = checkBronze(decodeMessageValue(m.value, 1 << 20), directory);
      const where = `${m.truth.kind}: ${m.value.toString()}`;
      if (m.truth.dropAt === 'router') {
        assert.equal(isUnroutable(verdict), true, where);
        assert.deepEqual(verdict.broken, m.truth.rules, where);
        continue;
      }
      assert.equal(verdict.clientId, m.truth.clientId, where);
      if (m.truth.dropAt === 'bronze') {
        assert.deepEqual(verdict.broken, m.truth.rules, where);
        continue;
      }
      assert.deepEqual(verdict.broken, [], where);
      assert.deepEqual(checkSilver(verdict.message!).broken, m.truth.dropAt === 'silver' ? m.truth.rules : [], where);
      if (m.truth.dropAt === null) assert.equal(verdict.eventMicros, BigInt(m.truth.eventMs!) * 1000n, where);
    }
  });
});
