/**
 * The orchestration benchmark (`npm run bench -- --orchestration`) drives the real client
 * workflow: a change to the workflow that asks for an activity the benchmark does not stand in
 * for, or that stops taking one batch per run, must fail here rather than in a benchmark run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { benchOrchestration } from '../../scripts/bench/orchestration';
import { THREAD_GROUPS } from '../../scripts/bench/thread-cpu';

describe('the orchestration benchmark', () => {
  it('runs every batch of every client once and reports CPU per client-batch and per start', async () => {
    const r = await benchOrchestration({ clients: 4, batches: 3 });
    assert.equal(r.clientBatches, 12);
    assert.ok(r.seconds > 0 && r.clientBatchesPerSecond > 0, JSON.stringify(r));
    for (const cost of [r.perClientBatch, r.perClientStart]) {
      assert.ok(cost.processCpuMs > 0, JSON.stringify(cost));
      assert.deepEqual(Object.keys(cost.processCpuMsByThread ?? {}).sort(), [...THREAD_GROUPS].sort());
      assert.ok(cost.serverCpuMs === null || cost.serverCpuMs >= 0);
    }
  });
});
