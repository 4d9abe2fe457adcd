/**
 * dev and prod side by side on one stack: a worker per target (PIPELINE_TARGET=dev and =prod),
 * with the same workflow id prefix, task queue and lake root, so only the target keeps them apart:
 * its namespace, topic and lake folder. Each side's workflows and tables hold only its own data.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { startPipeline } from '../../adapters/temporal/start';
import { pipelineStatus } from '../../adapters/temporal/status';
import { createKafka, TopicOffsets } from '../../adapters/kafka/kafka';
import { ensureTopic, produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { connectClient } from '../../adapters/temporal/client';
import { deleteTopic, isolatedEnv, requireServices, startWorkerProcess, terminateWorkflows, waitFor } from '../helpers';
import type { TestEnv, WorkerProcess } from '../helpers';

interface Side {
  name: 'dev' | 'prod';
  t: TestEnv;
  /** Messages per client. */
  traffic: Record<string, number>;
  temporal?: Client;
  offsets?: TopicOffsets;
  worker?: WorkerProcess;
}

/** Each side's amounts start at its own base, so a row shows which side it came from. */
const AMOUNT_BASE = { dev: 0, prod: 1000 };
const event = (side: Side['name'], client: string, i: number) => ({
  key: client,
  value: Buffer.from(
    JSON.stringify({
      client_id: client,
      timestamp: `2026-11-20T10:${String(i % 60).padStart(2, '0')}:00Z`,
      event_type: 'purchase',
      status: 'active',
      amount: AMOUNT_BASE[side] + i,
    }),
  ),
});

describe('dev and prod side by side on one stack', () => {
  const dev = isolatedEnv('dev', { PIPELINE_KNOWN_CLIENTS: 'acme,globex', PIPELINE_BATCH_MAX_WAIT_MS: '200' });
  const shared = {
    PIPELINE_LAKE_ROOT: dev.lakeRoot,
    PIPELINE_WORKFLOW_ID_PREFIX: dev.config.temporal.workflowIdPrefix,
    PIPELINE_TASK_QUEUE: dev.config.temporal.taskQueue,
  };
  const prod = isolatedEnv('prod', { PIPELINE_TARGET: 'prod', PIPELINE_KNOWN_CLIENTS: 'acme,initech', PIPELINE_BATCH_MAX_WAIT_MS: '200', ...shared });
  const sides: Side[] = [
    { name: 'dev', t: dev, traffic: { acme: 30, globex: 20 } },
    { name: 'prod', t: prod, traffic: { acme: 45, initech: 10 } },
  ];
  let kafka: Kafka;

  before(async () => {
    await requireServices(dev.config);
    assert.equal(prod.config.targetName, 'prod');
    assert.notEqual(prod.config.temporal.namespace, dev.config.temporal.namespace, 'the targets have namespaces of their own');
    assert.notEqual(prod.config.lakeDir, dev.config.lakeDir, 'and lake folders of their own');
    kafka = createKafka(dev.config.kafka);
    for (const side of sides) {
      side.temporal = await connectClient(side.t.config);
      side.offsets = new TopicOffsets(kafka);
      await ensureTopic(kafka, side.t.config.target.topic, 2);
      side.worker = startWorkerProcess(side.t.env);
    }
  });

  after(async () => {
    for (const side of sides) {
      await side.worker?.stop();
      if (side.temporal) {
        await terminateWorkflows(side.temporal, side.t.config.temporal.workflowIdPrefix);
        await side.temporal.connection.close();
      }
      await side.offsets?.close();
      if (kafka) await deleteTopic(kafka, side.t.config.target.topic);
    }
    prod.cleanupLake();
    dev.cleanupLake();
  });

  it('runs both at once, each with only its own workflows and tables', async () => {
    await Promise.all(sides.map((s) => s.worker!.ready));
    await Promise.all(sides.map((s) => startPipeline(s.t.config, s.temporal!)));
    await Promise.all(
      sides.map((s) =>
        produceMessages(
          kafka,
          s.t.config.target.topic,
          Object.entries(s.traffic).flatMap(([client, n]) => Array.from({ length: n }, (_, i) => event(s.name, client, i))),
        ),
      ),
    );
    for (const side of sides) {
      const { config } = side.t;
      const total = Object.values(side.traffic).reduce((a, b) => a + b, 0);
      const status = await waitFor(
        `${side.name} to drain`,
        async () => {
          const s = await pipelineStatus(config, side.temporal!, side.offsets!);
          return s.drained && s.clients.reduce((n, c) => n + c.totals.silver, 0) === total ? s : null;
        },
        120_000,
      );
      assert.equal(status.namespace, config.temporal.namespace);

      // Workflows: this namespace holds this side's ingest and clients only.
      const prefix = `${config.temporal.workflowIdPrefix}-`;
      const ids: string[] = [];
      for await (const wf of side.temporal!.workflow.list({ query: `ExecutionStatus = 'Running'` })) {
        if (wf.workflowId.startsWith(prefix)) ids.push(wf.workflowId.slice(prefix.length));
      }
      const clients = Object.keys(side.traffic);
      assert.deepEqual(ids.sort(), [...clients.map((c) => `client-${c}`), `ingest-${config.target.topic}`].sort(), `${side.name} workflows`);

      // Tables: only this side's messages, from this side's topic.
      const [raw] = await querySql(config, `SELECT count(*) AS n, list(DISTINCT topic) AS topics FROM kafka_raw_bronze`);
      assert.equal(Number(raw?.n), total, `${side.name} raw rows`);
      assert.deepEqual(raw?.topics, [config.target.topic]);
      for (const [client, n] of Object.entries(side.traffic)) {
        const [silver] = await querySql(config, `SELECT count(*) AS n, sum(amount) AS total FROM "silver_${client}"`);
        const amounts = AMOUNT_BASE[side.name] * n + (n * (n - 1)) / 2;
        assert.deepEqual([Number(silver?.n), Number(silver?.total)], [n, amounts], `${side.name} silver_${client}`);
        const [gold] = await querySql(config, `SELECT sum(event_count) AS n FROM "gold_${client}_summary"`);
        assert.equal(Number(gold?.n), n, `${side.name} gold_${client}_summary`);
      }
    }
  });
});
