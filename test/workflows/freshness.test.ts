/**
 * Freshness per client on the real stack: with one client paused under traffic, how far its gold
 * is behind grows in `pipeline status` and the health view while the other client stays current;
 * once resumed, its last produce-to-gold delay covers the pause.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pauseClient, resumeClient } from '../../adapters/temporal/client-signals';
import { liveClientStates } from '../../adapters/temporal/live-states';
import { startPipeline } from '../../adapters/temporal/start';
import type { StatusReport } from '../../adapters/temporal/status';
import { produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { startHarness, waitFor } from '../helpers';
import type { PipelineHarness } from '../helpers';

const event = (client: string, i: number) => ({
  key: client,
  value: Buffer.from(JSON.stringify({ client_id: client, timestamp: '2026-11-20T10:00:00Z', event_type: 'purchase', status: 'active', amount: i })),
});

function clientOf(s: StatusReport, id: string): StatusReport['clients'][number] {
  const c = s.clients.find((x) => x.clientId === id);
  assert.ok(c, `no status for ${id}`);
  return c;
}

describe('freshness per client', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await startHarness('fresh', { PIPELINE_KNOWN_CLIENTS: 'acme,globex', PIPELINE_BATCH_MAX_WAIT_MS: '200' });
    await startPipeline(h.t.config, h.temporal);
  });
  after(() => h.close());

  it("shows a paused client's gold falling behind while the other stays current", async () => {
    const { config } = h.t;
    await pauseClient(config, h.temporal, 'acme', 'test');
    await waitFor('acme paused', async () => clientOf(await h.status(), 'acme').state === 'paused', 30_000);
    await produceMessages(h.kafka, config.target.topic, [
      ...Array.from({ length: 100 }, (_, i) => event('acme', i)),
      ...Array.from({ length: 100 }, (_, i) => event('globex', i)),
    ]);
    const first = await waitFor(
      'globex in gold while acme waits',
      async () => {
        const s = await h.status();
        return s.ingest?.lag === 0 &&
          clientOf(s, 'globex').totals.silver === 100 &&
          clientOf(s, 'globex').queued === 0 &&
          clientOf(s, 'acme').backlogRecords === 100
          ? s
          : null;
      },
      60_000,
    );
    const acmeBehind = clientOf(first, 'acme').freshness.pendingAgeMs;
    assert.ok(acmeBehind !== null && acmeBehind > 0, `acme's gold is behind: ${acmeBehind}`);
    assert.equal(clientOf(first, 'globex').freshness.pendingAgeMs, 0, 'globex has nothing pending');
    const globexDelay = clientOf(first, 'globex').freshness.lastGoldDelayMs;
    assert.ok(globexDelay !== null && globexDelay >= 0, 'globex has a produce-to-gold delay');

    // It grows while acme stays paused, in the status and in the health view.
    await waitFor('acme to fall further behind', async () => (clientOf(await h.status(), 'acme').freshness.pendingAgeMs ?? 0) > acmeBehind, 30_000);
    const health = await querySql(
      config,
      'SELECT client_id, gold_lag_seconds, last_gold_delay_seconds FROM pipeline_health_monitor ORDER BY client_id',
      {
        live: async () => (await liveClientStates(config)).states,
      },
    );
    const row = (id: string) => health.find((r) => r.client_id === id);
    assert.ok(Number(row('acme')?.gold_lag_seconds) > acmeBehind / 1000, 'the health view shows acme further behind');
    assert.equal(row('acme')?.last_gold_delay_seconds, null, 'acme has no batch in gold yet');
    assert.equal(Number(row('globex')?.gold_lag_seconds), 0);
    assert.ok(row('globex')?.last_gold_delay_seconds !== null);

    await resumeClient(config, h.temporal, 'acme');
    const done = await waitFor(
      'acme to catch up',
      async () => {
        const s = await h.status();
        return s.drained && clientOf(s, 'acme').totals.silver === 100 ? s : null;
      },
      60_000,
    );
    const acme = clientOf(done, 'acme').freshness;
    assert.equal(acme.pendingAgeMs, 0);
    assert.ok((acme.lastGoldDelayMs ?? 0) > acmeBehind, 'the delay of the batch held back covers the pause');
  });
});
