/**
 * Bounded history: with a tiny continue-as-new threshold, the ingest and client workflows roll
 * over many times mid-stream, and every record still lands exactly once with the counters
 * carried across runs.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startPipeline } from '../../adapters/temporal/start';
import { produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { clientWorkflowId, ingestWorkflowId } from '../../contract/ids';
import { startHarness, waitFor } from '../helpers';
import type { PipelineHarness } from '../helpers';

const CLIENTS = ['acme', 'globex'];
const PER_CLIENT = 600;

describe('continue-as-new under load', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await startHarness('can', {
      PIPELINE_KNOWN_CLIENTS: CLIENTS.join(','),
      PIPELINE_BATCH_MAX_MESSAGES: '50',
      PIPELINE_BATCH_MAX_WAIT_MS: '100',
      PIPELINE_CONTINUE_AS_NEW_AFTER_EVENTS: '40',
    });
  });
  after(() => h.close());

  it('rolls both workflows over many times without losing or repeating a record', async () => {
    const { config } = h.t;
    const prefix = config.temporal.workflowIdPrefix;
    await startPipeline(config, h.temporal);
    // Arrives in waves, so batches keep coming while workflows continue as new.
    for (let wave = 0; wave < 4; wave++) {
      const messages = CLIENTS.flatMap((client) =>
        Array.from({ length: PER_CLIENT / 4 }, (_, i) => ({
          key: client,
          value: Buffer.from(
            JSON.stringify({
              client_id: client,
              timestamp: '2026-11-20T10:00:00Z',
              event_type: 'e',
              status: 'active',
              amount: 1,
              n: wave * 1000 + i,
            }),
          ),
        })),
      );
      await produceMessages(h.kafka, config.target.topic, messages);
      await new Promise((r) => setTimeout(r, 300));
    }
    const status = await waitFor(
      'drained',
      async () => {
        const s = await h.status();
        return s.drained && s.clients.every((c) => c.totals.silver === PER_CLIENT) ? s : null;
      },
      180_000,
    );

    const runs = async (workflowId: string) => {
      let n = 0;
      for await (const _ of h.temporal.workflow.list({ query: `WorkflowId = '${workflowId}'` })) n += 1;
      return n;
    };
    assert.ok((await runs(ingestWorkflowId(prefix, config.target.topic))) >= 3, 'the ingest continued as new');
    for (const client of CLIENTS) {
      assert.ok((await runs(clientWorkflowId(prefix, client))) >= 3, `${client} continued as new`);
      const c = status.clients.find((x) => x.clientId === client)!;
      assert.equal(c.totals.records, PER_CLIENT, 'counters carried across runs');
      const [row] = await querySql(config, `SELECT count(*) AS n, count(DISTINCT "offset" || '/' || "partition") AS d FROM "silver_${client}"`);
      assert.equal(Number(row?.n), PER_CLIENT);
      assert.equal(Number(row?.d), PER_CLIENT);
    }
    assert.equal(status.ingest?.messages, PER_CLIENT * CLIENTS.length, 'the ingest carried its counters too');
  });
});
