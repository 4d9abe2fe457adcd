/**
 * The ingest workflow with a raw batch that cannot land (its activity gave up after repeated
 * landings): the failure is recorded and alerted once, and the ingest fails instead of retrying
 * the same batch for ever.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/activity';
import { WorkflowFailedError } from '@temporalio/client';
import { ErrorType } from '../../contract/errors';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { IngestSettings } from '../../contract/types';
import type { ingest } from '../../workflows';
import { startLogicHarness } from './harness';
import type { LogicHarness } from './harness';

const CANNOT_LAND = 'batch #4 of t (partition 0 offsets 100..199) failed to land in 3 attempts after its messages were read';

describe('ingest with a raw batch that cannot land', () => {
  let h: LogicHarness;
  let attempts = 0;

  before(async () => {
    h = await startLogicHarness({
      recoverIngestPosition: () => Promise.resolve({ nextSeq: 4, nextOffsets: { '0': '100' }, dispatchedSeq: 3 }),
      ingestBatch: () => {
        attempts += 1;
        return Promise.reject(ApplicationFailure.nonRetryable(CANNOT_LAND, ErrorType.IngestBatchFailed));
      },
    });
  });
  after(() => h.close());

  it('records and alerts the batch once, and fails rather than retrying it', async () => {
    const settings: IngestSettings = {
      topic: 't',
      maxMessages: 100,
      maxWaitMs: 10,
      clients: { known: ['acme'], autoDiscover: false },
      ruleActions: DEFAULT_RULE_ACTIONS,
      workflowIdPrefix: h.taskQueue,
      taskQueue: h.taskQueue,
    };
    const handle = await h.temporal.workflow.start<typeof ingest>('ingest', {
      taskQueue: h.taskQueue,
      workflowId: `${h.taskQueue}-ingest-t`,
      args: [{ settings, mode: 'continuous' }],
    });
    await assert.rejects(handle.result(), (e: unknown) => e instanceof WorkflowFailedError);
    assert.equal(attempts, 1);
    assert.deepEqual(
      h.stubs.alerts.recorded.map((r) => [r.layer, r.rawBatch, r.error]),
      [['ingest', { topic: 't', seq: 4 }, `${ErrorType.IngestBatchFailed}: ${CANNOT_LAND}`]],
    );
    assert.deepEqual(
      h.stubs.alerts.reports.map((r) => (r.kind === 'failure' ? [r.layer, r.errorType, r.error] : [r.kind])),
      [['ingest', ErrorType.IngestBatchFailed, CANNOT_LAND]],
    );
  });
});
