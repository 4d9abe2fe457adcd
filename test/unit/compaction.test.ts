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
  it('merges the per-batch files with the unsealed segment and keeps the sealed ones', () => {
    const plan = planCompaction(
      [seg('big', 100 * MiB), seg('small', MiB), batch(1), batch(2), batch(3), { name: 'x.parquet.tmp-1', bytes: 5 }],
      options,
    );
    assert.deepEqual(
      plan?.merge.map((f) => f.name),
      [segmentName('small'), ...[1, 2, 3].map((n) => batch(n).name)],
    );
    assert.deepEqual(
      plan?.keep.map((f) => f.name),
      [segmentName('big')],
    );
  });
  it('names segments apart from batches, with their list of batches beside them', () => {
    assert.ok(isSegment(segmentName('a')));
    assert.equal(batchOfFile(segmentName('a')), null);
    assert.equal(batchOfFile(batch(7).name), 'events.000000007');
    assert.equal(segmentBatchesName(segmentName('a')), 'compacted-a.batches.json');
    assert.ok(!segmentBatchesName(segmentName('a')).endsWith('.parquet'), 'no table reads the list');
  });
});
