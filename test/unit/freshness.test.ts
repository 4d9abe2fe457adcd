/**
 * Freshness per client: the oldest message not yet in gold (queued or failed batches), the last
 * batch's produce-to-gold delay, and where the production time comes from (the router).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import { formatDelay, freshness, freshnessLine } from '../../domain/freshness';
import { routeBatch } from '../../domain/router';
import { ClientPipelineState } from '../../workflows/client-state';

const at = (minute: number) => `2026-11-25T10:${String(minute).padStart(2, '0')}:00.000Z`;
const batch = (seq: number, producedMinute?: number) => ({
  topic: 't',
  seq,
  batchId: `t.${seq}`,
  records: 10,
  ...(producedMinute === undefined ? {} : { producedAt: at(producedMinute) }),
});
const counts = { records: 10, passed: 10, dropped: 0, warned: 0 };

describe('freshness of a client', () => {
  it('is the oldest pending message, queued or failed, and the last produce-to-gold delay', () => {
    const s = new ClientPipelineState('acme');
    assert.deepEqual(freshness(s.status(), Date.parse(at(0))), { pendingAgeMs: 0, lastGoldDelayMs: null }, 'nothing pending');
    s.enqueue(batch(0, 1));
    s.enqueue(batch(1, 3));
    s.enqueue(batch(2, 5));
    assert.equal(s.status().oldestPendingProducedAt, at(1));
    s.recordFailure(s.next()!, { error: 'boom', errorType: 'X', failedAt: at(2) });
    s.recordSuccess(s.next()!, counts, counts, at(7));
    assert.equal(s.status().lastGoldDelayMs, 4 * 60_000, 'produced at :03, in gold at :07');
    assert.equal(s.status().oldestPendingProducedAt, at(1), 'the failed batch is still not in gold');
    assert.deepEqual(freshness(s.status(), Date.parse(at(10))), { pendingAgeMs: 9 * 60_000, lastGoldDelayMs: 4 * 60_000 });

    // A replay keeps the batch's production time, so its success measures the whole delay.
    s.requeueFailed('all');
    s.recordSuccess(s.next()!, counts, counts, at(11));
    assert.equal(s.status().lastGoldDelayMs, 10 * 60_000);
    assert.equal(s.status().oldestPendingProducedAt, at(5));
    s.recordSuccess(s.next()!, counts, counts, at(12));
    assert.equal(s.status().oldestPendingProducedAt, null);
    assert.equal(freshness(s.status(), Date.parse(at(30))).pendingAgeMs, 0);
  });

  it('is unknown, not zero, for pending batches handed over without a production time', () => {
    const s = new ClientPipelineState('acme');
    s.enqueue(batch(0));
    assert.equal(freshness(s.status(), Date.parse(at(0))).pendingAgeMs, null);
    s.recordSuccess(s.next()!, counts, counts, at(1));
    assert.equal(s.status().lastGoldDelayMs, null);
  });

  it('reads as one line of the workflow details, and as short delays', () => {
    assert.equal(freshnessLine({ oldestPendingProducedAt: null, lastGoldDelayMs: null }), '');
    assert.equal(
      freshnessLine({ oldestPendingProducedAt: at(1), lastGoldDelayMs: 2300 }),
      `freshness: oldest message not in gold produced ${at(1)} · last batch produce-to-gold 2.3 s`,
    );
    assert.deepEqual([850, 12_340, 270_000, 7_200_000].map(formatDelay), ['850 ms', '12.3 s', '4.5 min', '2.0 h']);
  });
});

describe('routeBatch: production time per client', () => {
  it("gives each client its oldest routed message's Kafka timestamp", () => {
    const message = (offset: number, client: string, ms: number) => ({
      partition: 0,
      offset: String(offset),
      key: null,
      value: Buffer.from(JSON.stringify({ client_id: client, timestamp: '2026-11-20T10:00:00Z' })),
      timestamp: String(ms),
    });
    const base = Date.parse(at(0));
    const routed = routeBatch(
      [message(0, 'acme', base + 5000), message(1, 'acme', base + 1000), message(2, 'globex', base + 3000), message(3, 'ghost', base)],
      {
        topic: 't',
        batchId: 't.000000001',
        ingestedAtMicros: 1n,
        clients: { knownClients: new Set(['acme', 'globex']), autoDiscover: false },
        ruleActions: DEFAULT_RULE_ACTIONS,
        maxMessageBytes: 1 << 20,
        rawValueChars: 10,
      },
    );
    assert.deepEqual(routed.clientOldestAt, { acme: '2026-11-25T10:00:01.000Z', globex: '2026-11-25T10:00:03.000Z' });
  });
});
