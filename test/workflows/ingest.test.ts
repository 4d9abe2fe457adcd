/**
 * The ingest workflow on the real dev server and broker: triggered mode takes the offsets present
 * at start, lands them, and completes with a summary; a fresh ingest after termination recovers
 * its position from the lake instead of reading the topic again.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPipeline } from '../../adapters/temporal/start';
import { produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { ingestWorkflowId } from '../../contract/ids';
import type { IngestSummary } from '../../contract/types';
import { isolatedEnv, startHarness, waitFor } from '../helpers';
import type { PipelineHarness } from '../helpers';

const events = (n: number, from = 0) =>
  Array.from({ length: n }, (_, i) => ({
    key: 'acme',
    value: Buffer.from(JSON.stringify({ client_id: 'acme', timestamp: '2026-11-20T10:00:00Z', event_type: 'e', status: 'active', seq: from + i })),
  }));

describe('ingest workflow', () => {
  let h: PipelineHarness;
  const t = () => h.t;
  const ingestId = () => ingestWorkflowId(t().config.temporal.workflowIdPrefix, t().config.target.topic);
  const rawCount = async () => Number((await querySql(t().config, 'SELECT count(*) AS n FROM kafka_raw_bronze'))[0]?.n);

  before(async () => {
    h = await startHarness('ingest', { PIPELINE_KNOWN_CLIENTS: 'acme', PIPELINE_BATCH_MAX_MESSAGES: '150', PIPELINE_BATCH_MAX_WAIT_MS: '200' });
  });
  after(() => h.close());

  it('in triggered mode ingests what is present at start, in batches, then completes with a summary', async () => {
    await produceMessages(h.kafka, t().config.target.topic, events(500));
    await startPipeline(t().config, h.temporal, { mode: 'triggered' });
    const summary = (await h.temporal.workflow.getHandle(ingestId()).result()) as IngestSummary;
    assert.equal(summary.messages, 500);
    assert.ok(summary.batches >= 4, `${summary.batches} batches of at most 150`);
    assert.equal(
      Object.values(summary.nextOffsets).reduce((n, o) => n + Number(o), 0),
      500,
    );
    assert.equal(await rawCount(), 500);
  });

  it('started again, continues from the lake without reading anything twice', async () => {
    await produceMessages(h.kafka, t().config.target.topic, events(120, 500));
    await startPipeline(t().config, h.temporal, { mode: 'continuous' });
    await waitFor('the new messages', async () => (await h.status()).drained && (await rawCount()) === 620, 60_000);
    const [dupes] = await querySql(t().config, 'SELECT count(*) - count(DISTINCT ("partition", "offset")) AS d FROM kafka_raw_bronze');
    assert.equal(Number(dupes?.d), 0);
    const [silver] = await querySql(t().config, 'SELECT count(*) AS n FROM silver_acme');
    assert.equal(Number(silver?.n), 620);
  });

  it('refuses to attach running workflows to another lake', async () => {
    const other = isolatedEnv('other-lake', {
      PIPELINE_WORKFLOW_ID_PREFIX: t().config.temporal.workflowIdPrefix,
      PIPELINE_TOPIC: t().config.target.topic,
      PIPELINE_KNOWN_CLIENTS: 'acme',
    });
    try {
      await assert.rejects(
        startPipeline(other.config, h.temporal),
        /is running for another lake .* use that lake, another temporal\.workflowIdPrefix, or terminate the old workflows/,
      );
    } finally {
      other.cleanupLake();
    }
  });
});
