/**
 * `stop` lets the batch in flight finish, then the client waits in a new run, stopped, with its
 * queue, failed batches and counters; batches handed over meanwhile queue; `start` goes on from
 * there, and a start before the stop took effect cancels it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { startSignal, stopSignal } from '../../contract/messages';
import { recordHistory } from '../helpers';
import { batch, startLogicHarness } from './harness';
import type { LogicHarness } from './harness';

describe('clientPipeline stop and start (stub activities)', () => {
  let h: LogicHarness;
  before(async () => {
    h = await startLogicHarness();
  });
  after(() => h.close());

  const runId = async (wf: WorkflowHandle) => (await wf.describe()).runId;

  it('finishes the batch in flight, keeps the queue, and continues there on start', async () => {
    const b = (seq: number) => batch(seq, seq + 1, 'stop');
    const wf = await h.startClient('c-stop');
    h.stubs.on('silverBatch', b(0).batchId, { kind: 'fail' });
    h.stubs.on('goldBatch', b(1).batchId, { kind: 'hold' });
    await h.send(wf, b(0));
    await h.statusWhen(wf, 'batch 0 failed', (s) => s.failed === 1);
    await h.send(wf, b(1));
    await h.stubs.started('goldBatch', b(1).batchId);
    // Queued behind the run in flight: the stop comes before they run.
    await h.send(wf, b(2), b(3));
    const firstRun = await runId(wf);

    await wf.signal(stopSignal, { reason: 'test' });
    const stopping = await h.statusWhen(wf, 'the stop to wait for the batch in flight', (s) => s.busy);
    assert.equal(stopping.currentBatch, b(1).batchId);
    h.stubs.release('goldBatch', b(1).batchId);

    const stopped = await h.statusWhen(wf, 'stopped', (s) => s.state === 'stopped');
    assert.notEqual(await runId(wf), firstRun, 'the stopped client waits in a new run');
    assert.deepEqual(h.stubs.stepsOf(b(1).batchId), ['bronzeBatch', 'silverBatch', 'goldBatch'], 'the batch in flight finished');
    assert.deepEqual(h.stubs.stepsOf(b(2).batchId), [], 'nothing ran after it');
    assert.equal(stopped.queued, 2);
    assert.deepEqual(stopped.failedBatches, [b(0).batchId]);
    assert.equal(stopped.processed, 1);
    assert.equal(stopped.totals.records, 2);

    // Handed over while stopped: it queues, and a repeated hand-off is still ignored.
    await h.send(wf, b(4), b(3));
    assert.equal((await h.statusWhen(wf, 'a batch queued while stopped', (s) => s.queued === 3)).state, 'stopped');

    await wf.signal(startSignal);
    const done = await h.statusWhen(wf, 'the queue to drain after start', (s) => s.queued === 0 && !s.busy && s.processed === 4);
    assert.equal(done.state, 'failing', 'the failed batch is still there to replay');
    assert.equal(
      done.totals.records,
      [1, 2, 3, 4].reduce((n, seq) => n + seq + 1, 0),
    );
    for (const seq of [2, 3, 4]) assert.equal(h.stubs.count('goldBatch', b(seq).batchId), 1, `batch ${seq} ran once`);
    await recordHistory(h.temporal, wf.workflowId, 'client-pipeline-stop-start');
  });

  it('a start that arrives before the batch in flight finished cancels the stop', async () => {
    const b = (seq: number) => batch(seq, 1, 'unstop');
    const wf = await h.startClient('c-unstop');
    h.stubs.on('bronzeBatch', b(0).batchId, { kind: 'hold' });
    await h.send(wf, b(0));
    await h.stubs.started('bronzeBatch', b(0).batchId);
    await h.send(wf, b(1));
    await wf.signal(stopSignal, {});
    await wf.signal(startSignal);
    h.stubs.release('bronzeBatch', b(0).batchId);
    const s = await h.statusWhen(wf, 'both batches processed', (st) => st.processed === 2);
    assert.equal(s.state, 'running');
  });
});
