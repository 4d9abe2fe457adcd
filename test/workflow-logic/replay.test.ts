/**
 * Replaying failed batches: once, twice in a row, twice at the same time, and followed by a
 * pause. A batch is processed once per replay however many requests ask for it, and a replay in
 * flight never keeps a paused workflow from continuing as new.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { WorkflowUpdateStage } from '@temporalio/client';
import type { WorkflowHandle } from '@temporalio/client';
import { pauseSignal, replayBatchesUpdate } from '../../contract/messages';
import type { ReplayOutcome, ReplayRequest } from '../../contract/types';
import { recordHistory } from '../helpers';
import { batch, PATIENCE_MS, startLogicHarness } from './harness';
import type { LogicHarness } from './harness';

const startReplay = (wf: WorkflowHandle, request: ReplayRequest) =>
  wf.startUpdate(replayBatchesUpdate, { args: [request], waitForStage: WorkflowUpdateStage.ACCEPTED });

/** Rejects instead of hanging when an update never returns (what a stuck handler looks like). */
async function within<T>(what: string, ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer after ${ms} ms`)), ms)));
  try {
    return await Promise.race([p, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

describe('clientPipeline replay (stub activities)', () => {
  let h: LogicHarness;
  before(async () => {
    h = await startLogicHarness();
  });
  after(() => h.close());

  /** A client whose batch 1 of `topic` failed in silver, with batches 0 and 2 done. */
  async function withFailedBatch(clientId: string, topic: string, continueAsNewAfterEvents?: number) {
    const [b0, b1, b2] = [batch(0, 10, topic), batch(1, 20, topic), batch(2, 30, topic)];
    h.stubs.on('silverBatch', b1.batchId, { kind: 'fail' });
    const wf = await h.startClient(clientId, { continueAsNewAfterEvents });
    // One at a time, so each runs alone and batch 1 fails in a run of its own.
    for (const [i, b] of [b0, b1, b2].entries()) {
      await h.send(wf, b);
      await h.statusWhen(wf, `batch ${i} handled`, (s) => s.failed + s.processed === i + 1 && s.queued === 0);
    }
    await h.statusWhen(wf, 'batch 1 failed, the others done', (s) => s.failed === 1 && s.processed === 2);
    h.stubs.clear('silverBatch', b1.batchId);
    return { wf, b1 };
  }

  it('replays a failed batch once; a second replay finds nothing failed', async () => {
    const { wf, b1 } = await withFailedBatch('c-twice', 'twice');
    assert.deepEqual(await wf.executeUpdate(replayBatchesUpdate, { args: [{ batchIds: [b1.batchId] }] }), [
      { batchId: b1.batchId, outcome: 'succeeded' },
    ]);
    assert.deepEqual(await wf.executeUpdate(replayBatchesUpdate, { args: [{ allFailed: true }] }), []);
    assert.deepEqual(await wf.executeUpdate(replayBatchesUpdate, { args: [{ batchIds: [b1.batchId] }] }), [
      { batchId: b1.batchId, outcome: 'not-failed' },
    ]);
    assert.equal(h.stubs.count('bronzeBatch', b1.batchId), 2, 'the first run and one replay');
    const s = await h.statusWhen(wf, 'all done', (st) => st.queued === 0);
    assert.equal(s.state, 'running');
    assert.equal(s.totals.records, 60);
  });

  it('two replays of the same batch at the same time process it once, and both report its outcome', async () => {
    const { wf, b1 } = await withFailedBatch('c-race', 'race');
    h.stubs.on('bronzeBatch', b1.batchId, { kind: 'hold' });
    const first = await startReplay(wf, { batchIds: [b1.batchId] });
    await h.stubs.started('bronzeBatch', b1.batchId);
    const second = await startReplay(wf, { allFailed: true });
    const third = await startReplay(wf, { batchIds: [b1.batchId] });
    h.stubs.release('bronzeBatch', b1.batchId);

    const expected: ReplayOutcome[] = [{ batchId: b1.batchId, outcome: 'succeeded' }];
    for (const u of [first, second, third]) assert.deepEqual(await within('replay', PATIENCE_MS, u.result()), expected);
    const s = await h.statusWhen(wf, 'queue empty', (st) => st.queued === 0 && !st.busy);
    assert.equal(h.stubs.count('bronzeBatch', b1.batchId), 2, 'the first run and one replay, not one per request');
    assert.equal(h.stubs.count('goldBatch', b1.batchId), 1);
    assert.equal(s.totals.records, 60, 'the replayed batch is counted once');
    await recordHistory(h.temporal, wf.workflowId, 'client-pipeline-replay-race');
  });

  it('a pause while a replay waits ends the request (the batch stays queued) and lets the workflow continue as new', async () => {
    const { wf, b1 } = await withFailedBatch('c-pause', 'pause', 20);
    // Another batch in progress: the replayed one queues behind it, and the pause lands first.
    const b3 = batch(3, 40, 'pause');
    h.stubs.on('bronzeBatch', b3.batchId, { kind: 'hold' });
    await h.send(wf, b3);
    await h.stubs.started('bronzeBatch', b3.batchId);
    const runBefore = (await wf.describe()).runId;
    const replay = await startReplay(wf, { batchIds: [b1.batchId] });
    await wf.signal(pauseSignal, { reason: 'test' });
    h.stubs.release('bronzeBatch', b3.batchId);

    const outcomes = await within('the replay request', PATIENCE_MS, replay.result());
    assert.deepEqual(outcomes, [{ batchId: b1.batchId, outcome: 'queued' }]);
    // With a threshold this low the history is full: the workflow continues as new once no handler runs.
    await h.statusWhen(wf, 'paused with the replay queued', (s) => s.paused && s.queued === 1 && !s.busy);
    const carried = await h.statusWhen(wf, 'a new run', (s) => s.paused);
    assert.notEqual((await wf.describe()).runId, runBefore, 'continued as new while paused');
    assert.deepEqual(carried.failedBatches, [b1.batchId]);
    assert.equal(h.stubs.count('bronzeBatch', b1.batchId), 1, 'nothing replayed while paused');
  });
});
