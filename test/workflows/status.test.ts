/**
 * `pipeline status` on the real dev server: when a worker polls the task queue but a workflow's
 * status query fails, the report says what failed, not that there is no worker.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pipelineStatus } from '../../adapters/temporal/status';
import { clientWorkflowId } from '../../contract/ids';
import { startHarness } from '../helpers';
import type { PipelineHarness } from '../helpers';

describe('pipeline status', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await startHarness('status', { PIPELINE_KNOWN_CLIENTS: '' }, { partitions: 1 });
  });
  after(() => h.close());

  it('reports a failed status query as that failure while a worker polls', async () => {
    const { config } = h.t;
    // A workflow under a client's id that no worker can run: its status query cannot succeed.
    await h.temporal.workflow.start('noSuchWorkflowType', {
      workflowId: clientWorkflowId(config.temporal.workflowIdPrefix, 'ghost'),
      taskQueue: config.temporal.taskQueue,
      args: [],
    });
    const report = await pipelineStatus(config, h.temporal, h.offsets, 'ghost');
    const [ghost] = report.clients;
    assert.equal(ghost?.answered, false);
    assert.doesNotMatch(ghost.lastError ?? '', /no worker/, 'a worker polls this task queue');
    assert.match(ghost.lastError ?? '', /status query (timed out|failed)/);
  });
});
