import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  available,
  backlogBatchMessages,
  capReadAhead,
  CLIENTS_PER_FULL_BATCH,
  holdsBatchOpen,
  MAX_BACKLOG_GROWTH,
  messagesReadAhead,
  nextOffsetsAfter,
  planReadAhead,
  rangeSize,
  readAheadFull,
  readAheadReaches,
  totalAvailable,
} from '../../domain/batch-plan';
import type { ReadAhead } from '../../domain/batch-plan';

const wm = (partition: number, low: number, high: number) => ({ partition, low: BigInt(low), high: BigInt(high) });

/** Available offsets as [partition, from, end] triples, for comparing. */
const triples = (avail: Map<number, { from: bigint; end: bigint }>) => [...avail].map(([p, a]) => [p, Number(a.from), Number(a.end)]);

describe('what is available to plan from', () => {
  it('starts new partitions at their low watermark', () => {
    const avail = available([wm(0, 0, 1000), wm(1, 0, 10), wm(2, 5, 700)], {}, null);
    assert.equal(totalAvailable(avail), 1705n);
    assert.deepEqual(triples(avail), [
      [0, 0, 1000],
      [1, 0, 10],
      [2, 5, 700],
    ]);
  });
  it('continues from the position and skips data lost to retention', () => {
    const avail = available([wm(0, 100, 150), wm(1, 0, 20)], { '0': '40', '1': '20' }, null);
    assert.deepEqual(triples(avail), [
      [0, 100, 150],
      [1, 20, 20],
    ]);
  });
  it('stops at stopAt in triggered mode', () => {
    assert.deepEqual(triples(available([wm(0, 0, 100)], { '0': '10' }, { '0': '50' })), [[0, 10, 50]]);
    assert.equal(totalAvailable(available([wm(0, 0, 100)], { '0': '50' }, { '0': '50' })), 0n);
  });
  it('advances every known partition in the next position', () => {
    const avail = available([wm(0, 0, 10), wm(1, 0, 0)], {}, null);
    assert.deepEqual(nextOffsetsAfter({}, avail, [{ partition: 0, from: '0', until: '4' }]), { '0': '4', '1': '0' });
  });
});

/** Read-ahead of one partition: messages of the given sizes from offset `from`. */
const ahead = (from: number, sizes: number[]): ReadAhead => ({
  from: BigInt(from),
  messages: sizes.map((bytes, i) => ({ offset: BigInt(from + i), bytes })),
});

describe('planning over messages read ahead', () => {
  it('counts the messages read ahead over every partition', () => {
    assert.equal(messagesReadAhead(new Map()), 0);
    assert.equal(
      messagesReadAhead(
        new Map([
          [0, ahead(10, [1, 1, 1])],
          [1, ahead(0, [])],
          [2, ahead(7, [5, 5])],
        ]),
      ),
      5,
    );
  });
  it('takes partitions in turn up to maxMessages', () => {
    const read = new Map([
      [0, ahead(10, [1, 1, 1, 1, 1])],
      [1, ahead(0, [1])],
      [2, ahead(7, [1, 1, 1, 1])],
    ]);
    assert.deepEqual(planReadAhead(read, { maxMessages: 6, maxBytes: 1000 }), [
      { partition: 0, from: '10', until: '13' },
      { partition: 1, from: '0', until: '1' },
      { partition: 2, from: '7', until: '9' },
    ]);
  });
  it('stops a partition at the first message over the byte budget, and lets the others go on', () => {
    const read = new Map([
      [0, ahead(0, [400, 400, 400])],
      [1, ahead(0, [100, 100, 100, 100])],
    ]);
    // 400 + 100 + 400 + 100 = 1000: partition 0's third would pass 1100, partition 1's third still fits.
    assert.deepEqual(planReadAhead(read, { maxMessages: 100, maxBytes: 1100 }), [
      { partition: 0, from: '0', until: '2' },
      { partition: 1, from: '0', until: '3' },
    ]);
  });
  it('plans a message larger than the whole budget alone, so a plan never holds more than it can land', () => {
    const read = new Map([
      [0, ahead(5, [5000, 10])],
      [1, ahead(0, [10])],
    ]);
    assert.deepEqual(planReadAhead(read, { maxMessages: 100, maxBytes: 1000 }), [{ partition: 0, from: '5', until: '6' }]);
    // Next time, the large one is behind and the rest are planned together.
    read.set(0, ahead(6, [10]));
    assert.equal(rangeSize(planReadAhead(read, { maxMessages: 100, maxBytes: 1000 })), 2);
  });
  it('plans nothing from nothing', () => {
    assert.deepEqual(planReadAhead(new Map([[0, ahead(3, [])]]), { maxMessages: 10, maxBytes: 10 }), []);
  });
  it('knows a full batch, a partition read to its end, and cuts read-ahead at stopAt', () => {
    const read = new Map([
      [0, ahead(0, [10, 10, 10])],
      [1, ahead(4, [])],
    ]);
    assert.equal(readAheadFull(read, { maxMessages: 3, maxBytes: 1000 }), true);
    assert.equal(readAheadFull(read, { maxMessages: 4, maxBytes: 30 }), true);
    assert.equal(readAheadFull(read, { maxMessages: 4, maxBytes: 31 }), false);
    const ends = new Map([
      [0, 2n],
      [1, 4n],
    ]);
    assert.equal(readAheadReaches(read, ends), true);
    assert.equal(readAheadReaches(read, new Map([[0, 4n]])), false);
    assert.deepEqual(planReadAhead(capReadAhead(read, ends), { maxMessages: 10, maxBytes: 1000 }), [{ partition: 0, from: '0', until: '2' }]);
  });
});

describe('the size of a batch under a backlog', () => {
  const plenty = 10_000_000n;
  it('is maxMessages for up to CLIENTS_PER_FULL_BATCH clients', () => {
    assert.equal(backlogBatchMessages(100_000, 3, plenty), 100_000);
    assert.equal(backlogBatchMessages(100_000, CLIENTS_PER_FULL_BATCH, plenty), 100_000);
  });
  it('grows with the clients beyond, so each client’s share stays the same, up to MAX_BACKLOG_GROWTH times', () => {
    assert.equal(backlogBatchMessages(100_000, 2 * CLIENTS_PER_FULL_BATCH, plenty), 200_000);
    assert.equal(backlogBatchMessages(600, 120, plenty), 1_440);
    assert.equal(backlogBatchMessages(100_000, 1_000 * CLIENTS_PER_FULL_BATCH, plenty), MAX_BACKLOG_GROWTH * 100_000);
  });
  it('takes no more than the topic holds, and never less than maxMessages', () => {
    assert.equal(backlogBatchMessages(100_000, 100, 150_000n), 150_000);
    assert.equal(backlogBatchMessages(100_000, 100, 20_000n), 100_000);
  });
});

describe('holding a batch open while the clients are busy', () => {
  const closing = { backlog: false, triggered: false, messages: 2_500, full: false, clientsBusy: true, now: 1_000, holdUntil: 5_000 };

  it('holds a batch with messages, not full, while the clients are busy and the hold lasts', () => {
    assert.equal(holdsBatchOpen(closing), true);
  });

  it('closes it once a slot is free, it is full, or the hold has lasted its time', () => {
    assert.equal(holdsBatchOpen({ ...closing, clientsBusy: false }), false);
    assert.equal(holdsBatchOpen({ ...closing, full: true }), false);
    assert.equal(holdsBatchOpen({ ...closing, now: 5_000 }), false);
  });

  it('never holds a backlog batch, a triggered run, or a read that brought nothing', () => {
    assert.equal(holdsBatchOpen({ ...closing, backlog: true }), false);
    assert.equal(holdsBatchOpen({ ...closing, triggered: true }), false);
    assert.equal(holdsBatchOpen({ ...closing, messages: 0 }), false);
  });
});
