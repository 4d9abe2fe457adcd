import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchOfFile, isSegment, planCompaction, segmentBatchesName, segmentName } from '../../domain/compaction';

const MiB = 1_048_576;
const options = { minFiles: 3, maxSegmentBytes: 100 * MiB };

describe('compaction plan', () => {
  const seg = (id: string, bytes: number) => ({ name: segmentName(id), bytes });
  const batch = (n: number) => ({ name: `events.${String(n).padStart(9, '0')}.parquet`, bytes: 10_000 });

  it('waits for enough per-batch files', () => {
    assert.equal(planCompaction([seg('a', MiB), batch(1), batch(2)], options), null);
  });
  it('merges the per-batch files with the segments small beside what is merged, smallest first, and keeps the others', () => {
    // 30,000 bytes of batches take in the 100,000-byte segment (≤ 4 × 30,000), then the 500,000-byte one
    // (≤ 4 × 130,000), but not the 3 MiB one (> 4 × 630,000).
    const files = [seg('sealed', 100 * MiB), seg('large', 3 * MiB), seg('mid', 500_000), seg('small', 100_000), batch(1), batch(2), batch(3)];
    const plan = planCompaction([...files, { name: 'x.parquet.tmp-1', bytes: 5 }], options);
    assert.deepEqual(
      plan?.merge.map((f) => f.name),
      [...[1, 2, 3].map((n) => batch(n).name), segmentName('small'), segmentName('mid')],
    );
    assert.deepEqual(plan?.keep.map((f) => f.name).sort(), [segmentName('sealed'), segmentName('large')].sort());
  });
  it('never merges a sealed segment, however much is merged beside it', () => {
    const many = Array.from({ length: 200 }, (_, i) => ({ ...batch(i), bytes: MiB }));
    const plan = planCompaction([seg('sealed', 100 * MiB), ...many], options);
    assert.deepEqual(
      plan?.keep.map((f) => f.name),
      [segmentName('sealed')],
    );
  });
  it('names segments apart from batches, with their list of batches beside them', () => {
    assert.ok(isSegment(segmentName('a')));
    assert.equal(batchOfFile(segmentName('a')), null);
    assert.equal(batchOfFile(batch(7).name), 'events.000000007');
    assert.equal(segmentBatchesName(segmentName('a')), 'compacted-a.batches.json');
    assert.ok(!segmentBatchesName(segmentName('a')).endsWith('.parquet'), 'no table reads the list');
  });
  it('takes a batch of a topic whose name starts like a segment for a batch', () => {
    // Topics may be named `compacted-…`; their batch ids still end in `.<sequence>`, which a segment id never holds.
    const name = 'compacted-orders.000000004.parquet';
    assert.equal(isSegment(name), false);
    assert.equal(batchOfFile(name), 'compacted-orders.000000004');
    const plan = planCompaction([{ name, bytes: 10_000 }, batch(1), batch(2)], options);
    assert.deepEqual(plan?.merge.map((f) => f.name).sort(), [name, batch(1).name, batch(2).name].sort());
  });
});
