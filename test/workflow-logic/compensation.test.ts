/**
 * A batch that fails in any layer is compensated (its output discarded) and then recorded, and
 * nothing after the failed layer runs; later batches go on. Inside a run of several batches, the
 * whole run is undone and its batches run again alone, so only the bad one is recorded. A step refused by a worker of another
 * lake waits for the right one instead of failing. A cancelled workflow compensates nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CancelledFailure, WorkflowFailedError } from '@temporalio/client';
import { recordHistory } from '../helpers';
import { batch, startLogicHarness } from './harness';
import type { LogicHarness } from './harness';
import type { ClientStep } from './stub-activities';

describe('clientPipeline compensation (stub activities)', () => {
  let h: LogicHarness;
  before(async () => {
    h = await startLogicHarness();
  });
  after(() => h.close());

  const layers: [ClientStep, ClientStep[]][] = [
    ['bronzeBatch', ['bronzeBatch']],
    ['silverBatch', ['bronzeBatch', 'silverBatch']],
    ['goldBatch', ['bronzeBatch', 'silverBatch', 'goldBatch']],
  ];
  for (const [failing, ran] of layers) {
    it(`a failure in ${failing} inside a run undoes the run, runs its batches alone, and records only the bad one`, async () => {
      const topic = `fail-${failing}`;
      const [b0, b1, b2, b3] = [batch(0, 10, topic), batch(1, 20, topic), batch(2, 30, topic), batch(3, 40, topic)];
      h.stubs.on('bronzeBatch', b0.batchId, { kind: 'hold' });
      h.stubs.on(failing, b2.batchId, { kind: 'fail', message: `${failing} said no` });
      const wf = await h.startClient(`c-${failing}`);
      await h.send(wf, b0);
      await h.stubs.started('bronzeBatch', b0.batchId);
      // Queued behind the batch in progress, so they make one run once it is done.
      await h.send(wf, b1, b2, b3);
      await h.statusWhen(wf, 'three batches queued behind the first', (st) => st.queued === 4);
      h.stubs.release('bronzeBatch', b0.batchId);

      const s = await h.statusWhen(wf, 'all four batches handled', (st) => st.processed + st.failed === 4 && st.queued === 0);
      const run = [b1.batchId, b2.batchId, b3.batchId];
      const all = [b0.batchId, ...run];
      assert.deepEqual(h.stubs.runsOf('bronzeBatch', all), [[b0.batchId], run, [b1.batchId], [b2.batchId], [b3.batchId]]);
      assert.deepEqual(h.stubs.runsOf('discardClientBatch', all), [run, [b2.batchId]], 'the whole run undone, then the bad batch alone');
      assert.deepEqual(h.stubs.runsOf('recordBatchFailure', all), [[b2.batchId]]);
      assert.deepEqual(h.stubs.stepsOf(b2.batchId), [...ran, 'discardClientBatch', ...ran, 'discardClientBatch', 'recordBatchFailure']);
      for (const ok of [b1, b3]) {
        assert.deepEqual(h.stubs.stepsOf(ok.batchId), [...ran, 'discardClientBatch', 'bronzeBatch', 'silverBatch', 'goldBatch']);
      }
      assert.deepEqual(h.stubs.stepsOf(b0.batchId), ['bronzeBatch', 'silverBatch', 'goldBatch']);
      assert.deepEqual(s.failedBatches, [b2.batchId]);
      assert.equal(s.state, 'failing');
      assert.equal(s.processed, 3);
      assert.equal(s.totals.records, 10 + 20 + 40, 'only the batches that went through are counted, each once');
      assert.equal(s.lastError, `${b2.batchId}: ${failing} said no`);
      if (failing === 'silverBatch') await recordHistory(h.temporal, wf.workflowId, 'client-pipeline-one-activity-run-failure');
    });
  }

  it('a step refused as the wrong lake, more often than the retry policy allows, waits and never fails the batch', async () => {
    const [b0, b1] = [batch(0, 10, 'lake'), batch(1, 20, 'lake')];
    // More refusals than the lake profile's attempts: only waiting for the right worker gets through.
    h.stubs.on('silverBatch', b0.batchId, { kind: 'wrong-lake', times: 7 });
    const wf = await h.startClient('c-lake');
    await h.send(wf, b0, b1);

    const s = await h.statusWhen(wf, 'both batches handled', (st) => st.processed + st.failed === 2 && st.queued === 0);
    assert.deepEqual(s.failedBatches, []);
    assert.equal(s.processed, 2);
    assert.equal(h.stubs.count('silverBatch', b0.batchId), 8, 'seven refusals, then the right worker');
    assert.deepEqual([...new Set(h.stubs.stepsOf(b0.batchId))], ['bronzeBatch', 'silverBatch', 'goldBatch'], 'nothing compensated');
    await recordHistory(h.temporal, wf.workflowId, 'client-pipeline-one-activity-wrong-lake-waits');
  });

  it('a client workflow cancelled mid-batch stops without compensating', async () => {
    const b0 = batch(0, 10, 'cancel');
    h.stubs.on('silverBatch', b0.batchId, { kind: 'hold' });
    const wf = await h.startClient('c-cancel');
    await h.send(wf, b0);
    await h.stubs.started('silverBatch', b0.batchId);

    await wf.cancel();
    await assert.rejects(wf.result(), (e: unknown) => e instanceof WorkflowFailedError && e.cause instanceof CancelledFailure);
    assert.deepEqual(h.stubs.stepsOf(b0.batchId), ['bronzeBatch', 'silverBatch']);
  });
});
