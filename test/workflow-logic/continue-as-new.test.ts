/**
 * Continue-as-new with a threshold low enough that the client workflow rolls over after almost
 * every batch: the queue, the paused flag, failed batches, counters and the hand-offs already
 * taken are carried, and signals and updates arriving around the switch are neither lost nor
 * applied twice.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import { pauseSignal, replayBatchesUpdate, resumeSignal } from '../../contract/messages';
import { waitFor } from '../helpers';
import { batch, PATIENCE_MS, startLogicHarness } from './harness';
import type { LogicHarness } from './harness';

const TOPIC = 'can';
const b = (seq: number) => batch(seq, seq + 1, TOPIC);
const recordsOf = (seqs: number[]) => seqs.reduce((n, seq) => n + seq + 1, 0);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('clientPipeline continue-as-new (stub activities)', () => {
  let h: LogicHarness;
  before(async () => {
    h = await startLogicHarness();
  });
  after(() => h.close());

  const runId = async (wf: WorkflowHandle) => (await wf.describe()).runId;

  it('carries queue, paused flag, failed batches and counters, and takes each signal and update once', async () => {
    const wf = await h.startClient('c-can', { continueAsNewAfterEvents: 20 });
    h.stubs.on('silverBatch', b(1).batchId, { kind: 'fail' });
    h.stubs.on('bronzeBatch', b(2).batchId, { kind: 'hold' });
    // Batch 1 fails in a run of its own, batch 2 is held in a run of its own, and 3 and 4 queue behind it.
    await h.send(wf, b(0), b(1));
    await h.statusWhen(wf, 'batches 0 and 1 handled', (s) => s.processed === 1 && s.failed === 1);
    await h.send(wf, b(2));
    await h.stubs.started('bronzeBatch', b(2).batchId);
    await h.send(wf, b(3), b(4));
    const runWhileBusy = await runId(wf);

    // Paused with batches queued, a failed one, and hand-offs repeated (they must stay ignored).
    await wf.signal(pauseSignal, { reason: 'test' });
    await h.send(wf, b(5), b(0), b(1), b(2));
    h.stubs.release('bronzeBatch', b(2).batchId);
    await waitFor('a new run while paused', async () => (await runId(wf)) !== runWhileBusy, PATIENCE_MS, 100);
    const paused = await h.statusWhen(wf, 'the carried state', (s) => s.paused && !s.busy);
    assert.equal(paused.state, 'paused');
    assert.equal(paused.queued, 3, 'batches 3, 4 and 5 wait');
    assert.deepEqual(paused.failedBatches, [b(1).batchId]);
    assert.equal(paused.processed, 2);
    assert.equal(paused.totals.records, recordsOf([0, 2]));
    assert.match(paused.lastError ?? '', new RegExp(b(1).batchId.replace('.', '\\.')));
    await h.send(wf, b(4));
    assert.equal((await h.statusWhen(wf, 'a repeated hand-off ignored', (s) => s.paused)).queued, 3);

    // Resumed: the workflow rolls over between batches while signals and updates keep arriving.
    h.stubs.clear('silverBatch', b(1).batchId);
    await wf.signal(resumeSignal);
    const replay = wf.executeUpdate(replayBatchesUpdate, { args: [{ batchIds: [b(1).batchId] }] });
    // Hand-offs come in order (as the ingest sends them), each one also repeated later; the
    // updates are left in flight, so some arrive while the workflow switches runs.
    const late = range(6, 12);
    const asks = [];
    for (const seq of late) {
      await h.send(wf, b(seq), b(seq - 3));
      asks.push(wf.executeUpdate(replayBatchesUpdate, { args: [{ batchIds: [`nothing-failed-${seq}`] }] }));
    }
    assert.deepEqual(await replay, [{ batchId: b(1).batchId, outcome: 'succeeded' }]);
    for (const [i, answer] of (await Promise.all(asks)).entries()) {
      assert.deepEqual(answer, [{ batchId: `nothing-failed-${late[i]}`, outcome: 'not-failed' }]);
    }

    const all = range(0, 12);
    const done = await h.statusWhen(wf, 'every batch done', (s) => s.processed === all.length && s.queued === 0);
    assert.equal(done.state, 'running');
    assert.deepEqual(done.failedBatches, []);
    assert.equal(done.totals.records, recordsOf(all), 'counters carried across runs, each batch counted once');
    for (const seq of all) assert.equal(h.stubs.count('goldBatch', b(seq).batchId), 1, `batch ${seq} written once`);
    const runs = await waitFor(
      'the runs to be listed',
      async () => {
        let n = 0;
        for await (const _ of h.temporal.workflow.list({ query: `WorkflowId = '${wf.workflowId}'` })) n += 1;
        return n >= 5 ? n : null;
      },
      10_000,
    );
    assert.ok(runs >= 5, `${runs} runs`);
  });
});
