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
    assert.deepEqual(
      s.data.queue.map((b) => b.seq),
      [0, 1],
    );
  });
  it('takes each hand-off once when the mark rises only as batches run', () => {
    const s = new ClientPipelineState('acme');
    const mark = { markWhenRun: true };
    assert.equal(s.enqueue(batch(0), mark), true);
    assert.equal(s.enqueue(batch(0), mark), false, 'a duplicate of a queued batch');
    s.nextRun({ maxBatches: 1, maxRecords: 100 });
    s.recordSuccess(batch(0), counts, counts, '2026-11-20T10:00:00Z');
    assert.equal(s.enqueue(batch(0), mark), false, 'a duplicate of a batch that ran');
    assert.equal(s.enqueue(batch(1), mark), true);
  });
  it('does not let a reference far ahead of the ingest, backed by no raw batch, hide the batches after it', () => {
    const s = new ClientPipelineState('acme');
    const mark = { markWhenRun: true };
    const crafted = batch(1_000_000_000);
    assert.equal(s.enqueue(crafted, mark), true);
    s.nextRun({ maxBatches: 1, maxRecords: 100 });
    s.recordFailure(crafted, { error: 'raw batch does not exist', errorType: 'RawBatchMissing', failedAt: '2026-11-20T10:00:00Z' });
    assert.equal(s.enqueue(crafted, mark), false, 'a failed batch is not queued twice');
    assert.equal(s.enqueue(batch(5), mark), true, 'the real batch after it is queued');
    // A batch failing on its data did read a real raw batch: it raises the mark.
    s.nextRun({ maxBatches: 1, maxRecords: 100 });
    s.recordFailure(batch(5), { error: 'broke valid_status', errorType: 'DataQualityFailure', failedAt: '2026-11-20T10:00:01Z' });
    assert.equal(s.enqueue(batch(4), mark), false);
    // Workflows from before: queueing raises the mark at once.
    const old = new ClientPipelineState('acme');
    old.enqueue(crafted);
    assert.equal(old.enqueue(batch(5)), false);
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
  it('takes queued batches into a run within its limits, and the batches of a failed run one at a time', () => {
    const s = new ClientPipelineState('acme');
    for (const seq of [0, 1, 2, 3, 4]) s.enqueue(batch(seq));
    const ids = (run: { batchId: string }[]) => run.map((b) => b.batchId);
    assert.deepEqual(ids(s.nextRun({ maxBatches: 3, maxRecords: 1000 })), ['t.0', 't.1', 't.2']);
    assert.deepEqual(ids(s.nextRun({ maxBatches: 10, maxRecords: 25 })), ['t.0', 't.1'], 'a third batch would pass 25 records');
    assert.deepEqual(ids(s.nextRun({ maxBatches: 10, maxRecords: 5 })), ['t.0'], 'the first batch whatever its size');
    const run = s.nextRun({ maxBatches: 3, maxRecords: 1000 });
    assert.equal(s.status().busy, true);
    assert.equal(s.status().currentBatch, 't.0');
    s.splitRun();
    assert.equal(s.status().busy, false);
    assert.deepEqual(s.data.runAlone, ids(run));
    assert.equal(s.data.queue.length, 5, 'a failed run leaves its batches queued');
    // A replay queued meanwhile goes first, and runs with nothing of the failed run.
    s.data.queue.unshift({ ...batch(9) });
    assert.deepEqual(ids(s.nextRun({ maxBatches: 10, maxRecords: 1000 })), ['t.9']);
    s.recordSuccess(batch(9), counts, counts, 'now');
    for (const alone of ['t.0', 't.1', 't.2']) {
      const run = s.nextRun({ maxBatches: 10, maxRecords: 1000 });
      assert.deepEqual(ids(run), [alone]);
      for (const b of run) s.recordSuccess(b, counts, counts, 'now');
    }
    assert.deepEqual(s.data.runAlone, []);
    assert.deepEqual(ids(s.nextRun({ maxBatches: 10, maxRecords: 1000 })), ['t.3', 't.4'], 'later batches run together again');
    s.recordSuccess(batch(3), counts, counts, 'now');
    s.recordSuccess(batch(4), counts, counts, 'now');
    assert.equal(s.data.queue.length, 0);
    assert.equal(s.data.totals.batches, 6);
  });
  it('records success and failure, and replays failed batches behind the one in progress', () => {
    const s = new ClientPipelineState('acme');
    [0, 1, 2].forEach((n) => s.enqueue(batch(n)));
    s.recordSuccess(s.next()!, counts, counts, 'now');
    s.recordFailure(s.next()!, { error: 'boom', errorType: 'DataQualityFailure', failedAt: 'now' });
    assert.equal(s.state, 'failing');
    assert.equal(s.status().failed, 1);
    s.next(); // batch 2 in progress
    const { replaying, unknown } = s.requeueFailed(['t.1', 't.9']);
    assert.deepEqual(
      replaying.map((f) => f.batchId),
      ['t.1'],
    );
    assert.deepEqual(unknown, ['t.9']);
    assert.deepEqual(
      s.data.queue.map((b) => b.seq),
      [2, 1],
    );
    s.recordSuccess(s.next()!, counts, counts, 'now');
    s.recordFailure(s.next()!, { error: 'again', errorType: 'X', failedAt: 'later' });
    assert.equal(s.data.failedBatches[0]?.attempts, 2);
    s.requeueFailed('all');
    s.recordSuccess(s.next()!, counts, counts, 'now');
    assert.equal(s.state, 'running');
    assert.deepEqual(s.status().totals, { batches: 3, records: 30, bronze: 27, silver: 27, dropped: 6, warned: 0 });
  });
  it('queues a failed batch for replay once, however many requests ask for it', () => {
    const s = new ClientPipelineState('acme');
    [0, 1, 2].forEach((n) => s.enqueue(batch(n)));
    s.recordFailure(s.next()!, { error: 'boom', errorType: 'X', failedAt: 'now' });
    s.next(); // batch 1 in progress
    const first = s.requeueFailed(['t.0']);
    const second = s.requeueFailed('all');
    assert.deepEqual(
      first.replaying.map((f) => f.batchId),
      ['t.0'],
    );
    assert.deepEqual(
      second.replaying.map((f) => f.batchId),
      ['t.0'],
      'the second request reports on the same batch',
    );
    assert.deepEqual(
      s.data.queue.map((b) => b.seq),
      [1, 0, 2],
    );
    s.requeueFailed(['t.0'], { again: true });
    assert.deepEqual(
      s.data.queue.map((b) => b.seq),
      [1, 0, 0, 2],
      'the behaviour of workflows from before the rule',
    );
  });
  it('answers a replay once its batches ran, or once paused with none of them in progress', () => {
    const s = new ClientPipelineState('acme');
    [0, 1, 2].forEach((n) => s.enqueue(batch(n)));
    s.recordFailure(s.next()!, { error: 'boom', errorType: 'X', failedAt: 'now' });
    s.recordFailure(s.next()!, { error: 'bang', errorType: 'X', failedAt: 'now' });
    const ids = new Set(['t.0', 't.1']);
    const { replaying } = s.requeueFailed('all');
    assert.equal(s.replaySettled(ids), false);
    s.data.paused = true;
    assert.equal(s.replaySettled(ids), true, 'paused, nothing of the replay in progress');
    s.data.paused = false;
    s.recordSuccess(s.next()!, counts, counts, 'now');
    s.next(); // t.1 in progress
    s.data.paused = true;
    assert.equal(s.replaySettled(ids), false, 'a replayed batch in progress finishes first');
    s.recordFailure(s.running[0]!, { error: 'again', errorType: 'X', failedAt: 'later' });
    assert.equal(s.replaySettled(ids), true);
    assert.deepEqual(s.replayOutcomes(replaying, ['t.9']), [
      { batchId: 't.0', outcome: 'succeeded' },
      { batchId: 't.1', outcome: 'failed', error: 'again' },
      { batchId: 't.9', outcome: 'not-failed' },
    ]);
    s.requeueFailed(['t.1']);
    assert.deepEqual(s.replayOutcomes(replaying.slice(1), []), [{ batchId: 't.1', outcome: 'queued' }]);
  });
});
