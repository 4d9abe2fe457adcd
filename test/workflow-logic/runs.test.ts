/**
 * Batches that queue while a client is busy run together: one activity through bronze, silver and
 * gold for all of them, within the run limits, each batch still counted on its own.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { BatchRef, RunLimits } from '../../contract/types';
import { pauseSignal, resumeSignal } from '../../contract/messages';
import { recordHistory } from '../helpers';
import { batch, startLogicHarness } from './harness';
import type { LogicHarness } from './harness';

describe('clientPipeline runs of queued batches (stub activities)', () => {
  let h: LogicHarness;
  before(async () => {
    h = await startLogicHarness();
  });
  after(() => h.close());

  /** Starts a client, holds its first batch in bronze, queues the others behind it, then lets it go. */
  async function queuedBehindFirst(clientId: string, batches: BatchRef[], runLimits?: RunLimits): Promise<WorkflowHandle> {
    const [first, ...rest] = batches;
    assert.ok(first);
    h.stubs.on('bronzeBatch', first.batchId, { kind: 'hold' });
    const wf = await h.startClient(clientId, runLimits ? { runLimits } : {});
    await h.send(wf, first);
    await h.stubs.started('bronzeBatch', first.batchId);
    await h.send(wf, ...rest);
    await h.statusWhen(wf, 'every batch queued', (s) => s.queued === batches.length);
    h.stubs.release('bronzeBatch', first.batchId);
    return wf;
  }

  it('runs the batches queued behind a busy client as one run, one activity for all layers, counting each batch', async () => {
    const bs = [0, 1, 2, 3, 4].map((seq) => batch(seq, 10 * (seq + 1), 'together'));
    const ids = bs.map((b) => b.batchId);
    const wf = await queuedBehindFirst('c-together', bs);

    const s = await h.statusWhen(wf, 'every batch processed', (st) => st.processed === 5 && st.queued === 0);
    const runs = [ids.slice(0, 1), ids.slice(1)];
    for (const step of ['bronzeBatch', 'silverBatch', 'goldBatch'] as const) assert.deepEqual(h.stubs.runsOf(step, ids), runs, step);
    assert.equal(s.totals.batches, 5, 'each batch of the run counted');
    assert.equal(s.totals.records, 10 + 20 + 30 + 40 + 50);
    assert.equal(s.lastBatchId, ids[4]);
    assert.deepEqual(s.failedBatches, []);
    const history = await wf.fetchHistory();
    const scheduled = (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    assert.deepEqual(scheduled, ['runClientBatches', 'runClientBatches'], 'one activity per run, for all three layers');
    await recordHistory(h.temporal, wf.workflowId, 'client-pipeline-one-activity-run');
  });

  it('takes at most maxBatches batches and maxRecords records into a run, and a larger batch alone', async () => {
    const records = [5, 10, 10, 45, 10, 100];
    const bs = records.map((n, seq) => batch(seq, n, 'limits'));
    const ids = bs.map((b) => b.batchId);
    const wf = await queuedBehindFirst('c-limits', bs, { maxBatches: 2, maxRecords: 50 });

    const s = await h.statusWhen(wf, 'every batch processed', (st) => st.processed === 6 && st.queued === 0);
    const id = (i: number): string => ids[i] ?? '';
    // Two batches at most; 45 + 10 records would pass 50; 100 records alone, since a run takes at least one batch.
    const runs = [[id(0)], [id(1), id(2)], [id(3)], [id(4)], [id(5)]];
    assert.deepEqual(h.stubs.runsOf('goldBatch', ids), runs);
    assert.equal(
      s.totals.records,
      records.reduce((n, r) => n + r, 0),
    );
  });

  it('a pause while the batches of a failed run rerun alone holds the rest, which still run alone after resume', async () => {
    const bs = [0, 1, 2, 3].map((seq) => batch(seq, 10, 'split-pause'));
    const [b0, b1, b2, b3] = bs as [BatchRef, BatchRef, BatchRef, BatchRef];
    const b4 = batch(4, 10, 'split-pause');
    const ids = [...bs, b4].map((b) => b.batchId);
    h.stubs.on('silverBatch', b2.batchId, { kind: 'fail' });
    // The run fails in silver before reaching gold, so only b1's rerun alone waits here.
    h.stubs.on('goldBatch', b1.batchId, { kind: 'hold' });
    const wf = await queuedBehindFirst('c-split-pause', bs);
    await h.stubs.started('goldBatch', b1.batchId);
    await wf.signal(pauseSignal, { reason: 'test' });
    await h.send(wf, b4);
    h.stubs.release('goldBatch', b1.batchId);

    const paused = await h.statusWhen(wf, 'paused after the batch in progress', (st) => st.paused && !st.busy && st.processed === 2);
    assert.equal(paused.queued, 3, "the failed run's other batches and the new one wait");
    await wf.signal(resumeSignal);
    const s = await h.statusWhen(wf, 'every batch handled', (st) => st.processed + st.failed === 5 && st.queued === 0);
    assert.deepEqual(s.failedBatches, [b2.batchId]);
    assert.deepEqual(h.stubs.runsOf('bronzeBatch', ids), [
      [b0.batchId],
      [b1.batchId, b2.batchId, b3.batchId],
      [b1.batchId],
      [b2.batchId],
      [b3.batchId],
      [b4.batchId],
    ]);
  });

  it('compacts the client’s files between runs once enough batches ran, and never in the middle of one', async () => {
    const wf = await h.startClient('c-compact', { runLimits: { maxBatches: 20, maxRecords: 1000, compactAfterBatches: 3 } });
    for (let seq = 0; seq < 7; seq += 1) {
      await h.send(wf, batch(seq, 10, 'compact'));
      await h.statusWhen(wf, `batch ${seq} processed`, (st) => st.processed === seq + 1);
    }
    await h.statusWhen(wf, 'idle', (st) => st.currentBatch === null && st.queued === 0);
    const history = await wf.fetchHistory();
    const scheduled = (history.events ?? []).flatMap((e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? []);
    const run = 'runClientBatches';
    const compact = 'compactClientTables';
    assert.deepEqual(scheduled, [run, run, run, compact, run, run, run, compact, run], 'after the 3rd and the 6th batch');
    assert.deepEqual(
      h.stubs.compactions.filter((c) => c === 'c-compact'),
      ['c-compact', 'c-compact'],
    );
    await recordHistory(h.temporal, wf.workflowId, 'client-pipeline-compaction');
  });
});
