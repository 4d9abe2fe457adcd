import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RoutedSlices } from '../../activities/routed-slices';
import type { RoutedRecord } from '../../domain/router';

const record = (partition: number, offset: number, value = 'x'.repeat(10)): RoutedRecord => ({
  partition,
  offset: BigInt(offset),
  value,
  message: { client_id: 'acme' },
  eventMicros: 1n,
  broken: [],
  reasons: [],
});
const slices = (entries: Record<string, RoutedRecord[]>) => new Map(Object.entries(entries));
const offsets = (records: readonly RoutedRecord[] | null) => records?.map((r) => `${r.partition}:${r.offset}`) ?? null;

describe('RoutedSlices', () => {
  it('gives each client its slice once, in Kafka order, and then holds nothing of the batch', () => {
    const handoff = new RoutedSlices(1_000);
    handoff.offer('raw/b1', 'id-1', slices({ acme: [record(1, 5), record(0, 9), record(0, 2)], globex: [record(2, 0)] }));
    assert.equal(handoff.heldChars, 40);
    assert.deepEqual(offsets(handoff.take('raw/b1', 'id-1', 'acme')), ['0:2', '0:9', '1:5']);
    assert.equal(handoff.take('raw/b1', 'id-1', 'acme'), null, 'a slice is taken once: a retry reads the raw file');
    assert.equal(handoff.take('raw/b1', 'id-1', 'initech'), null);
    assert.equal(handoff.heldChars, 10);
    assert.deepEqual(offsets(handoff.take('raw/b1', 'id-1', 'globex')), ['2:0']);
    assert.equal(handoff.heldChars, 0);
  });

  it('drops the slices of a raw file that was rewritten or replaced since they were offered', () => {
    const handoff = new RoutedSlices(1_000);
    handoff.offer('raw/b1', 'id-1', slices({ acme: [record(0, 0)], globex: [record(0, 1)] }));
    assert.equal(handoff.take('raw/b1', 'id-2', 'acme'), null);
    assert.equal(handoff.take('raw/b1', 'id-1', 'globex'), null, 'the whole batch went with the first mismatch');
    assert.equal(handoff.heldChars, 0);
  });

  it('keeps at most its budget of values, pushing out the oldest batches first', () => {
    const handoff = new RoutedSlices(25);
    handoff.offer('raw/b1', 'id-1', slices({ acme: [record(0, 0)] }));
    handoff.offer('raw/b2', 'id-2', slices({ acme: [record(0, 1)] }));
    handoff.offer('raw/b3', 'id-3', slices({ acme: [record(0, 2)] }));
    assert.equal(handoff.heldChars, 20);
    assert.equal(handoff.take('raw/b1', 'id-1', 'acme'), null);
    assert.deepEqual(offsets(handoff.take('raw/b2', 'id-2', 'acme')), ['0:1']);
    assert.deepEqual(offsets(handoff.take('raw/b3', 'id-3', 'acme')), ['0:2']);
    // A batch larger than the whole budget is not kept at all, and pushes nothing out.
    handoff.offer('raw/b4', 'id-4', slices({ acme: [record(0, 3)] }));
    handoff.offer('raw/b5', 'id-5', slices({ acme: [record(0, 4, 'y'.repeat(30))] }));
    assert.equal(handoff.take('raw/b5', 'id-5', 'acme'), null);
    assert.deepEqual(offsets(handoff.take('raw/b4', 'id-4', 'acme')), ['0:3']);
  });

  it('keeps nothing for a batch that routed no record to a client', () => {
    const handoff = new RoutedSlices(1_000);
    handoff.offer('raw/b1', 'id-1', slices({}));
    handoff.offer('raw/b2', 'id-2', slices({ acme: [record(0, 0)] }));
    assert.deepEqual(handoff.heldBatches, ['raw/b2']);
  });

  it('replaces what it held for a raw file offered again', () => {
    const handoff = new RoutedSlices(1_000);
    handoff.offer('raw/b1', 'id-1', slices({ acme: [record(0, 0)] }));
    handoff.offer('raw/b1', 'id-2', slices({ acme: [record(0, 7)] }));
    assert.equal(handoff.heldChars, 10);
    assert.deepEqual(offsets(handoff.take('raw/b1', 'id-2', 'acme')), ['0:7']);
  });
});
