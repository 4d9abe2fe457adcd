/**
 * Two worker processes on one task queue: both take work, and when one of them is killed with
 * SIGKILL mid-run the other finishes alone, losing and doubling nothing. Every table is checked
 * against the independent account of the produced messages.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import type { TopicOffsets } from '../../adapters/kafka/kafka';
import { produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { startPipeline } from '../../adapters/temporal/start';
import { pipelineStatus } from '../../adapters/temporal/status';
import { clientWorkflowId, ingestWorkflowId } from '../../contract/ids';
import { generateDemo } from '../../domain/demo';
import { isolatedEnv, openSandbox, startWorkerProcess, steadilyDrained, waitFor } from '../helpers';
import type { Sandbox, WorkerProcess } from '../helpers';
import { expectedTables } from './expectations';
import { assertExactTables } from './exact-tables';

const CLIENTS = ['acme', 'globex', 'initech'];
const COUNT = 9_000;

describe('two workers on one task queue, one of them SIGKILLed mid-run', () => {
  const t = isolatedEnv('two-workers', {
    PIPELINE_KNOWN_CLIENTS: CLIENTS.join(','),
    PIPELINE_AUTO_DISCOVER: 'false',
    PIPELINE_BATCH_MAX_MESSAGES: '500',
    PIPELINE_BATCH_MAX_WAIT_MS: '300',
  });
  const { config } = t;
  const topic = config.target.topic;
  const prefix = config.temporal.workflowIdPrefix;
  const messages = generateDemo({ count: COUNT, clients: CLIENTS.length, seed: 7 });
  const expected = expectedTables(messages, CLIENTS);
  let sandbox: Sandbox | undefined;
  let temporal: Client;
  let kafka: Kafka;
  let offsets: TopicOffsets;
  const workers: WorkerProcess[] = [];
  const sql = (q: string) => querySql(config, q);

  before(async () => {
    sandbox = await openSandbox(t, 3);
    ({ temporal, kafka, offsets } = sandbox);
  });

  after(async () => {
    await Promise.all(workers.map((w) => w.stop('SIGKILL')));
    await sandbox?.close();
  });

  it('both workers take activities; the survivor drains everything after the other is killed', async () => {
    workers.push(startWorkerProcess(t.env), startWorkerProcess(t.env));
    await Promise.all(workers.map((w) => w.ready));
    await startPipeline(config, temporal);
    const traffic = (async () => {
      for (let i = 0; i < COUNT; i += 300) {
        await produceMessages(kafka, topic, messages.slice(i, i + 300));
        await new Promise((r) => setTimeout(r, 100));
      }
    })();
    // Kill one worker once both have been handed client work and batches are in flight.
    await waitFor(
      'both workers busy with client batches',
      async () => {
        const s = await pipelineStatus(config, temporal, offsets);
        return (s.ingest?.batches ?? 0) >= 4 && s.clients.some((c) => c.busy || c.queued > 0) && (await activityIdentities()).size >= 2;
      },
      180_000,
      100,
    );
    const [victim, survivor] = workers as [WorkerProcess, WorkerProcess];
    console.log(`two-workers: activities taken by ${[...(await activityIdentities())].join(' and ')}; killing pid ${victim.child.pid}`);
    victim.child.kill('SIGKILL');
    await victim.stop();
    await traffic;

    const drained = await steadilyDrained('the survivor to drain the topic', () => pipelineStatus(config, temporal, offsets));
    assert.equal(drained.ingest?.lag, 0);
    for (const c of drained.clients) assert.equal(c.failed, 0, `${c.clientId} has failed batches: ${c.lastError}`);
    assert.ok(survivor.child.exitCode === null, 'the survivor still runs');
  });

  it('lands every message once and builds exactly the expected bronze, silver and gold', async () => {
    await assertExactTables(sql, expected, CLIENTS);
  });

  /** The workers that started an activity of the ingest or a client, read from the histories. */
  async function activityIdentities(): Promise<Set<string>> {
    const ids = [ingestWorkflowId(prefix, topic), ...CLIENTS.map((c) => clientWorkflowId(prefix, c))];
    const identities = new Set<string>();
    for (const id of ids) {
      const history = await temporal.workflow
        .getHandle(id)
        .fetchHistory()
        .catch(() => null);
      for (const e of history?.events ?? []) {
        const who = e.activityTaskStartedEventAttributes?.identity;
        if (who) identities.add(who);
      }
    }
    return identities;
  }
});
