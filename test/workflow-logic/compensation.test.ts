/**
 * A batch that fails in any layer is compensated (its output discarded) and then recorded, and
 * nothing after the failed layer runs; later batches go on. A step refused by a worker of another
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
    it(`a failure in ${failing} discards, then records, and later batches go on`, async () => {
      const topic = `fail-${failing}`;
      const [b0, b1, b2] = [batch(0, 10, topic), batch(1, 20, topic), batch(2, 30, topic)];
      h.stubs.on(failing, b1.batchId, { kind: 'fail', message: `${failing} said no` });
      const wf = await h.startClient(`c-${failing}`);
      await h.send(wf, b0, b1, b2);

      const s = await h.statusWhen(wf, 'all three batches handled', (st) => st.processed + st.failed === 3 && st.queued === 0);
      assert.deepEqual(h.stubs.stepsOf(b1.batchId), [...ran, 'discardClientBatch', 'recordBatchFailure']);
      for (const ok of [b0, b2]) assert.deepEqual(h.stubs.stepsOf(ok.batchId), ['bronzeBatch', 'silverBatch', 'goldBatch']);
      assert.deepEqual(s.failedBatches, [b1.batchId]);
      assert.equal(s.state, 'failing');
      assert.equal(s.totals.records, 40, 'only the batches that went through are counted');
      assert.equal(s.lastError, `${b1.batchId}: ${failing} said no`);
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
    await recordHistory(h.temporal, wf.workflowId, 'client-pipeline-wrong-lake-waits');
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
