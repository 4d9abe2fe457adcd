import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { available, nextOffsetsAfter, planRanges, rangeSize, totalAvailable } from '../../domain/batch-plan';

const wm = (partition: number, low: number, high: number) => ({ partition, low: BigInt(low), high: BigInt(high) });

describe('batch planning', () => {
  it('starts new partitions at their low watermark and caps at maxMessages, fairly', () => {
    const avail = available([wm(0, 0, 1000), wm(1, 0, 10), wm(2, 5, 700)], {}, null);
    assert.equal(totalAvailable(avail), 1705n);
    const ranges = planRanges(avail, 600);
    assert.equal(rangeSize(ranges), 600);
    assert.deepEqual(ranges, [
      { partition: 0, from: '0', until: '295' },
      { partition: 1, from: '0', until: '10' },
      { partition: 2, from: '5', until: '300' },
    ]);
  });
  it('continues from the position and skips data lost to retention', () => {
    const avail = available([wm(0, 100, 150), wm(1, 0, 20)], { '0': '40', '1': '20' }, null);
    assert.deepEqual(planRanges(avail, 1000), [{ partition: 0, from: '100', until: '150' }]);
  });
  it('stops at stopAt in triggered mode', () => {
    const avail = available([wm(0, 0, 100)], { '0': '10' }, { '0': '50' });
    assert.deepEqual(planRanges(avail, 1000), [{ partition: 0, from: '10', until: '50' }]);
    assert.equal(totalAvailable(available([wm(0, 0, 100)], { '0': '50' }, { '0': '50' })), 0n);
  });
  it('plans nothing when nothing is new, and a batch of one when one is', () => {
    assert.deepEqual(planRanges(available([wm(0, 0, 5)], { '0': '5' }, null), 100), []);
    assert.deepEqual(planRanges(available([wm(0, 0, 6), wm(1, 0, 9)], { '0': '5', '1': '9' }, null), 1), [{ partition: 0, from: '5', until: '6' }]);
  });
  it('advances every known partition in the next position', () => {
    const avail = available([wm(0, 0, 10), wm(1, 0, 0)], {}, null);
    const ranges = planRanges(avail, 4);
    assert.deepEqual(nextOffsetsAfter({}, avail, ranges), { '0': '4', '1': '0' });
  });
});
