import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientPipelineState } from '../../workflows/client-state';

const batch = (seq: number) => ({ topic: 't', seq, batchId: `t.${seq}`, records: 10 });
const counts = { records: 10, passed: 9, dropped: 1, warned: 0 };

describe('ClientPipelineState', () => {
  it('takes each hand-off once, in order', () => {
    const s = new ClientPipelineState('acme');
    assert.equal(s.enqueue(batch(0)), true);
    assert.equal(s.enqueue(batch(1)), true);
    assert.equal(s.enqueue(batch(1)), false);
    assert.equal(s.enqueue(batch(0)), false);
    assert.deepEqual(s.data.queue.map((b) => b.seq), [0, 1]);
  });
  it('does no work while paused, but keeps queueing', () => {
    const s = new ClientPipelineState('acme');
    s.data.paused = true;
    s.enqueue(batch(0));
    assert.equal(s.canWork, false);
    assert.equal(s.state, 'paused');
    s.data.paused = false;
    assert.equal(s.canWork, true);
  });
  it('records success and failure, and replays failed batches behind the one in progress', () => {
    const s = new ClientPipelineState('acme');
    [0, 1, 2].forEach((n) => s.enqueue(batch(n)));
    s.recordSuccess(s.next()!, counts, counts, 'now');
    s.recordFailure(s.next()!, { error: 'boom', errorType: 'DataQualityFailure', failedAt: 'now' });
    assert.equal(s.state, 'failing');
    assert.equal(s.status().failed, 1);
    s.next(); // batch 2 in progress
    const { requeued, unknown } = s.requeueFailed(['t.1', 't.9']);
    assert.deepEqual(requeued.map((f) => f.batchId), ['t.1']);
    assert.deepEqual(unknown, ['t.9']);
    assert.deepEqual(s.data.queue.map((b) => b.seq), [2, 1]);
    s.recordSuccess(s.next()!, counts, counts, 'now');
    s.recordFailure(s.next()!, { error: 'again', errorType: 'X', failedAt: 'later' });
    assert.equal(s.data.failedBatches[0]?.attempts, 2);
    s.requeueFailed('all');
    s.recordSuccess(s.next()!, counts, counts, 'now');
    assert.equal(s.state, 'running');
    assert.deepEqual(s.status().totals, { batches: 3, records: 30, bronze: 27, silver: 27, dropped: 6, warned: 0 });
  });
});
