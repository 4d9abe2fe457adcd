/**
 * Auto-discovery on the real dev server and broker: with no known clients, the first records of
 * a new client start its workflow (signal-with-start), which builds its tables; status finds it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPipeline } from '../../adapters/temporal/start';
import { produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { clientWorkflowId } from '../../contract/ids';
import { CLIENT_ID, PIPELINE_STATE } from '../../contract/search-attributes';
import { startHarness, waitFor } from '../helpers';
import type { PipelineHarness } from '../helpers';

describe('auto-discovery of clients', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await startHarness(
      'discover',
      { PIPELINE_KNOWN_CLIENTS: '', PIPELINE_AUTO_DISCOVER: 'true', PIPELINE_BATCH_MAX_WAIT_MS: '100' },
      { partitions: 1 },
    );
  });
  after(() => h.close());

  it('starts a workflow for a client seen for the first time, with its search attributes', async () => {
    const { config } = h.t;
    assert.deepEqual(config.clients.known, []);
    const started = await startPipeline(config, h.temporal);
    assert.deepEqual(
      started.map((s) => s.kind),
      ['ingest'],
      'no client is known up front',
    );
    const events = (client: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        key: client,
        value: Buffer.from(JSON.stringify({ client_id: client, timestamp: '2026-11-20T10:00:00Z', event_type: 'signup', status: 'pending', n: i })),
      }));
    await produceMessages(h.kafka, config.target.topic, [...events('newco', 40), ...events('other-co', 10)]);

    const status = await waitFor(
      'discovered clients to drain',
      async () => {
        const s = await h.status();
        const ids = s.clients.map((c) => c.clientId).sort();
        return s.drained && ids.join() === 'newco,other-co' ? s : null;
      },
      60_000,
    );
    assert.deepEqual(status.clients.map((c) => [c.clientId, c.totals.silver]).sort(), [
      ['newco', 40],
      ['other-co', 10],
    ]);
    const description = await h.temporal.workflow.getHandle(clientWorkflowId(config.temporal.workflowIdPrefix, 'newco')).describe();
    assert.equal(description.typedSearchAttributes.get(CLIENT_ID), 'newco');
    assert.equal(description.typedSearchAttributes.get(PIPELINE_STATE), 'running');
    const [row] = await querySql(config, 'SELECT count(*) AS n FROM "silver_other-co"');
    assert.equal(Number(row?.n), 10);
    const [errors] = await querySql(config, "SELECT count(*) AS n FROM pipeline_errors WHERE list_contains(rules, 'unknown_client')");
    assert.equal(Number(errors?.n), 0, 'no record is dropped as unknown while discovery is on');
  });
});
