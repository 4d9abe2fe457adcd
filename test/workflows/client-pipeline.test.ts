/**
 * clientPipeline on the real Temporal dev server and real Kafka: pause and resume without
 * touching other clients, and a batch failed by a `fail` rule being compensated, recorded and
 * replayable while the other clients go on.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { pauseClient, replayBatches, resumeClient } from '../../adapters/temporal/client-signals';
import { startPipeline } from '../../adapters/temporal/start';
import type { StatusReport } from '../../adapters/temporal/status';
import { LakeLayout } from '../../domain/lake-layout';
import { produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { clientWorkflowId } from '../../contract/ids';
import { PIPELINE_STATE } from '../../contract/search-attributes';
import type { RuleActions } from '../../contract/rules';
import { recordHistory, startHarness, waitFor } from '../helpers';
import type { PipelineHarness } from '../helpers';

const event = (client: string, i: number, status = 'active') => ({
  key: client,
  value: Buffer.from(
    JSON.stringify({
      client_id: client,
      timestamp: `2026-11-20T10:${String(i % 60).padStart(2, '0')}:00Z`,
      event_type: 'purchase',
      status,
      amount: i,
    }),
  ),
});

function clientOf(s: StatusReport, id: string): StatusReport['clients'][number] {
  const c = s.clients.find((x) => x.clientId === id);
  assert.ok(c, `no status for ${id}`);
  return c;
}

/** A harness with acme and globex known, and their workflows started. */
async function started(name: string, overrides: Record<string, string>, ruleActions: Partial<RuleActions> = {}): Promise<PipelineHarness> {
  const h = await startHarness(name, { PIPELINE_KNOWN_CLIENTS: 'acme,globex', PIPELINE_BATCH_MAX_WAIT_MS: '200', ...overrides }, { ruleActions });
  await startPipeline(h.t.config, h.temporal);
  return h;
}

describe('clientPipeline: pause and resume one client', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await started('pause', {});
  });
  after(() => h.close());

  it('queues batches durably while paused, without slowing the other client', async () => {
    const topic = h.t.config.target.topic;
    await pauseClient(h.t.config, h.temporal, 'acme', 'test');
    await waitFor('acme paused', async () => clientOf(await h.status(), 'acme').state === 'paused', 30_000);
    await produceMessages(h.kafka, topic, [
      ...Array.from({ length: 300 }, (_, i) => event('acme', i)),
      ...Array.from({ length: 200 }, (_, i) => event('globex', i)),
    ]);

    const whilePaused = await waitFor(
      'globex to finish while acme waits',
      async () => {
        const s = await h.status();
        return s.ingest?.lag === 0 && clientOf(s, 'globex').totals.silver === 200 && clientOf(s, 'acme').backlogRecords === 300 ? s : null;
      },
      60_000,
    );
    assert.equal(clientOf(whilePaused, 'acme').totals.records, 0, 'a paused client processes nothing');
    assert.ok(clientOf(whilePaused, 'acme').queued >= 1);
    const described = await h.temporal.workflow.getHandle(clientWorkflowId(h.t.config.temporal.workflowIdPrefix, 'acme')).describe();
    assert.equal(described.typedSearchAttributes.get(PIPELINE_STATE), 'paused');

    await resumeClient(h.t.config, h.temporal, 'acme');
    const resumed = await waitFor(
      'acme to catch up',
      async () => {
        const s = await h.status();
        return s.drained && clientOf(s, 'acme').totals.silver === 300 ? s : null;
      },
      60_000,
    );
    assert.equal(clientOf(resumed, 'acme').state, 'running');
    const [row] = await querySql(h.t.config, 'SELECT count(*) AS n FROM silver_acme');
    assert.equal(Number(row?.n), 300);
    await recordHistory(h.temporal, clientWorkflowId(h.t.config.temporal.workflowIdPrefix, 'acme'), 'client-pipeline-pause-resume');
  });
});

describe('clientPipeline: a `fail` rule fails the batch, which is compensated and replayable', () => {
  let h: PipelineHarness;
  before(async () => {
    // valid_status set to fail: a batch holding a bad status fails as a whole.
    h = await started('fail', { PIPELINE_BATCH_MAX_MESSAGES: '100000' }, { valid_status: 'fail' });
  });
  after(() => h.close());

  it('records the failure, removes partial output, keeps other clients going, and replays on request', async () => {
    const prefix = h.t.config.temporal.workflowIdPrefix;
    const topic = h.t.config.target.topic;
    await produceMessages(h.kafka, topic, [
      ...Array.from({ length: 50 }, (_, i) => event('acme', i, i === 7 ? 'archived' : 'active')),
      ...Array.from({ length: 40 }, (_, i) => event('globex', i)),
    ]);
    const s = await waitFor(
      'the batch to fail for acme only',
      async () => {
        const st = await h.status();
        return st.drained && clientOf(st, 'acme').failed === 1 && clientOf(st, 'globex').totals.silver === 40 ? st : null;
      },
      90_000,
    );
    const acme = clientOf(s, 'acme');
    assert.equal(acme.state, 'failing');
    assert.match(acme.lastError ?? '', /valid_status/);
    const batchId = acme.failedBatches[0]!;

    // Compensation: nothing of the failed batch is left in acme's tables.
    const layout = new LakeLayout(h.t.config.lakeDir);
    assert.equal(existsSync(layout.bronzeFile('acme', batchId)), false, 'bronze output removed');
    assert.equal(existsSync(layout.silverFile('acme', batchId)), false, 'silver output removed');
    const [failureRow] = await querySql(
      h.t.config,
      `SELECT count(*) AS n, any_value(error_message) AS msg FROM pipeline_errors WHERE layer = 'batch' AND client_id = 'acme'`,
    );
    assert.equal(Number(failureRow?.n), 1);
    assert.match(String(failureRow?.msg), /DataQualityFailure: 1 of 50 records broke rules with action "fail": valid_status/);
    // The workflow upserts its search attributes once the failure's alert is handed over, a moment
    // after the status query already answers `failing`.
    await waitFor(
      'PipelineState failing on acme',
      async () =>
        (await h.temporal.workflow.getHandle(clientWorkflowId(prefix, 'acme')).describe()).typedSearchAttributes.get(PIPELINE_STATE) === 'failing',
      30_000,
    );

    // Replay with the cause still there fails again, and says so.
    const outcomes = await replayBatches(h.t.config, h.temporal, 'acme', { allFailed: true });
    assert.deepEqual(
      outcomes.map((o) => [o.batchId, o.outcome]),
      [[batchId, 'failed']],
    );
    const unknown = await replayBatches(h.t.config, h.temporal, 'acme', { batchIds: ['no-such-batch'] });
    assert.deepEqual(unknown, [{ batchId: 'no-such-batch', outcome: 'not-failed' }]);
    await recordHistory(h.temporal, clientWorkflowId(prefix, 'acme'), 'client-pipeline-failed-batch-replay');
  });
});
