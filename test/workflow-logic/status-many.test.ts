/**
 * `pipeline status` (and the benchmark's wait for a drained pipeline) asks every client workflow
 * for its status. With many clients, asking them all at once left most queries timed out, so the
 * report said nothing of them and a drained pipeline never looked drained. `pipeline config
 * apply` (and `pipeline start` for workflows already running) must likewise reach every one.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createKafka, TopicOffsets } from '../../adapters/kafka/kafka';
import { pipelineStatus, runningClients } from '../../adapters/temporal/status';
import { applySettings, configTargets } from '../../adapters/temporal/settings';
import { loadConfig } from '../../config/load';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import { mapBounded } from '../../domain/concurrency';
import { waitFor } from '../helpers';
import { PATIENCE_MS, startLogicHarness } from './harness';
import type { LogicHarness } from './harness';

const CLIENTS = 600;

describe('pipeline status and config apply with many clients (stub activities)', () => {
  let h: LogicHarness;
  let config: ReturnType<typeof loadConfig>;
  const ids = Array.from({ length: CLIENTS }, (_, i) => `c${String(i).padStart(4, '0')}`);
  before(async () => {
    h = await startLogicHarness();
    // Workflow ids as the deployment names them: <prefix>-client-<id>, on the harness's queue.
    config = loadConfig({
      env: { ...process.env, PIPELINE_WORKFLOW_ID_PREFIX: h.taskQueue, PIPELINE_TASK_QUEUE: h.taskQueue, PIPELINE_KNOWN_CLIENTS: '' },
    });
    await mapBounded(ids, 16, (id) => h.startClient(`client-${id}`));
    await waitFor('every client workflow to be listed', async () => (await runningClients(config, h.temporal)).length === CLIENTS, PATIENCE_MS, 200);
  });
  after(() => h.close());

  it('gets an answer from every client workflow', async () => {
    const offsets = new TopicOffsets(createKafka(config.kafka));
    try {
      const report = await pipelineStatus(config, h.temporal, offsets);
      assert.equal(report.clients.length, CLIENTS);
      const unanswered = report.clients.filter((c) => !c.answered);
      assert.equal(unanswered.length, 0, `${unanswered.length} did not answer, e.g. ${unanswered[0]?.clientId}: ${unanswered[0]?.lastError}`);
    } finally {
      await offsets.close();
    }
  });

  it('config apply changes every client workflow', async () => {
    const ruleActions = { ...DEFAULT_RULE_ACTIONS, valid_status: 'warn' as const };
    const targets = (await configTargets(config, h.temporal, ids)).map((t) => ({ ...t, patch: { ruleActions } }));
    const applied = await applySettings(h.temporal, targets);
    const outcomes = new Map<string, number>();
    for (const a of applied) outcomes.set(a.outcome, (outcomes.get(a.outcome) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(outcomes), { changed: CLIENTS });
  });
});
