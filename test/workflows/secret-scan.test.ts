/**
 * Secrets never leak, on the real stack: a worker process reads its Kafka topic from a SASL_SSL
 * broker of its own (SCRAM password from a file), sends alerts with an SMTP password from the
 * environment and a webhook URL (holding its token) from a file, and runs traffic with a failed
 * batch, dropped records, operator failure signals and a failing alert channel. Then every place
 * the pipeline writes to is searched for each secret: the worker's stdout and stderr, the CLI's
 * output, every workflow history (inputs, results, failures, signals, search attributes, memo),
 * every `pipeline_errors` row, every file in the lake (Parquet read back row by row), and the
 * alert bodies. None may hold any of them.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../adapters/kafka/kafka';
import { ensureTopic, produceMessages } from '../../adapters/kafka/produce';
import { openDuckDB, withConnection } from '../../adapters/lake/duck';
import { querySql } from '../../adapters/lake/sql-session';
import { connectClient } from '../../adapters/temporal/client';
import { startPipeline } from '../../adapters/temporal/start';
import { DEFAULT_CONFIG_FILE } from '../../config/load';
import { ingestWorkflowId } from '../../contract/ids';
import { runHistories } from '../../scripts/sandbox';
import { historyStats, isolatedEnv, requireServices, startWorkerProcess, terminateWorkflows, waitFor } from '../helpers';
import type { TestEnv, WorkerProcess } from '../helpers';
import { startSecureBroker } from '../secure-broker';
import type { SecureBroker } from '../secure-broker';
import { mailText, startSmtpSink, startWebhookSink } from './alert-sinks';
import type { SmtpSink, WebhookSink } from './alert-sinks';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const SASL_PASSWORD = 'sasl-Pw-5f1c9e';
const SMTP_PASSWORD = 'smtp-Pw-7d3b2a';
const HOOK_TOKEN = 'HOOK-tok-8e6f4d';
const SECRETS = [SASL_PASSWORD, SMTP_PASSWORD, HOOK_TOKEN];

const event = (client: string, i: number, status = 'active') => ({
  key: client,
  value: Buffer.from(
    JSON.stringify({ client_id: client, timestamp: `2026-11-20T11:${String(i % 60).padStart(2, '0')}:00Z`, event_type: 'buy', status, amount: i }),
  ),
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : [path.join(dir, e.name)]));
}

const json = (value: unknown) => JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));

describe('secrets on the real stack, with a SASL_SSL broker', () => {
  let broker: SecureBroker;
  let smtp: SmtpSink;
  let hook: WebhookSink;
  let t: TestEnv;
  let temporal: Client;
  let kafka: Kafka;
  let worker: WorkerProcess;
  let prefix: string;

  before(async () => {
    broker = await startSecureBroker({ pipeline: SASL_PASSWORD });
    smtp = await startSmtpSink();
    hook = await startWebhookSink();
    const secretFile = (name: string, content: string) => {
      const file = path.join(broker.dir, name);
      writeFileSync(file, `${content}\n`, { mode: 0o600 });
      return file;
    };
    const base = JSON.parse(readFileSync(DEFAULT_CONFIG_FILE, 'utf8')) as Record<string, unknown>;
    const configFile = secretFile(
      'pipeline.config.json',
      JSON.stringify({
        ...base,
        kafka: { brokers: [broker.address], tls: { caFile: broker.caFile }, sasl: { mechanism: 'scram-sha-512', username: 'pipeline' } },
        rules: { ...(base.rules as object), valid_status: 'fail' },
        alerts: {
          throttleMinutes: 15,
          email: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'pipeline', from: 'pipeline@example.com', to: ['ops@example.com'] },
          webhook: { timeoutMs: 5000 },
        },
      }),
    );
    t = isolatedEnv('secrets', {
      PIPELINE_CONFIG: configFile,
      PIPELINE_KNOWN_CLIENTS: 'acme,globex',
      PIPELINE_BATCH_MAX_WAIT_MS: '200',
      KAFKA_SASL_PASSWORD_FILE: secretFile('sasl-password', SASL_PASSWORD),
      SMTP_PASSWORD,
      ALERT_WEBHOOK_URL_FILE: secretFile('webhook-url', `http://127.0.0.1:${hook.port}/hook/${HOOK_TOKEN}`),
    });
    prefix = t.config.temporal.workflowIdPrefix;
    await requireServices(t.config);
    temporal = await connectClient(t.config);
    kafka = createKafka(t.config.kafka, t.env);
    await ensureTopic(kafka, t.config.target.topic, 1);
    worker = startWorkerProcess(t.env);
    await worker.ready;
    await startPipeline(t.config, temporal);
  });

  after(async () => {
    await terminateWorkflows(temporal, prefix, 'secret scan finished');
    await worker?.stop();
    await temporal?.connection.close();
    await Promise.all([smtp?.close(), hook?.close()]);
    await broker?.stop();
    t?.cleanupLake();
  });

  const cli = async (...args: string[]) => {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'pipeline.ts'), ...args], {
      cwd: ROOT,
      env: t.env,
    });
    return `${stdout}\n${stderr}`;
  };
  const rows = async (where: string) => Number((await querySql(t.config, `SELECT count(*) AS n FROM pipeline_errors WHERE ${where}`))[0]?.n);

  it('failures raise alerts on every channel, and no secret appears anywhere the pipeline writes', async () => {
    await produceMessages(kafka, t.config.target.topic, [
      ...Array.from({ length: 20 }, (_, i) => event('acme', i, i === 5 ? 'archived' : 'active')),
      ...Array.from({ length: 20 }, (_, i) => event('globex', i)),
      { key: null, value: Buffer.from('{not json') },
      event('stranger', 1),
    ]);
    await waitFor('the failed acme batch to alert by e-mail and webhook', async () => smtp.mails.length >= 1 && hook.calls.length >= 1, 90_000);
    await waitFor('globex silver', async () => Number((await querySql(t.config, 'SELECT count(*) AS n FROM silver_globex'))[0]?.n) === 20, 60_000);

    // A failing alert channel: its error becomes a row, which must not quote the URL either.
    await hook.close();
    const outputs = [await cli('failure', 'globex', '--error', 'operator: globex feed stale')];
    await waitFor('the webhook channel recorded as failing', async () => (await rows(`layer = 'alert' AND client_id = 'globex'`)) === 1, 90_000);
    await waitFor('the globex e-mail', async () => smtp.mails.some((m) => mailText(m.raw).includes('Client: globex')), 60_000);
    outputs.push(await cli('status', '--json'), await cli('errors', '--json'));
    assert.equal(smtp.mails[0]?.password, SMTP_PASSWORD, 'the worker logged in to SMTP with the secret from its environment');
    assert.equal(hook.calls[0]?.path, `/hook/${HOOK_TOKEN}`, 'the worker called the webhook URL from its file');

    const places: Record<string, string> = {
      'worker output': worker.output(),
      'CLI output': outputs.join('\n'),
      'alert bodies': [...smtp.mails.map((m) => mailText(m.raw)), ...hook.calls.map((c) => c.text)].join('\n'),
      'pipeline_errors rows': json(await querySql(t.config, 'SELECT * FROM pipeline_errors')),
    };
    const workflows: string[] = [];
    for await (const wf of temporal.workflow.list({ query: `WorkflowId STARTS_WITH "${prefix}-"` })) workflows.push(wf.workflowId);
    for (const id of workflows) {
      const histories: string[] = [];
      for await (const history of runHistories(temporal, id)) histories.push(json(history.events));
      places[`history of ${id}`] = `${histories.join('\n')}\n${(await historyStats(temporal, id)).payloadText}`;
    }
    const db = await openDuckDB();
    try {
      for (const file of filesUnder(t.lakeRoot)) {
        const content = file.endsWith('.parquet')
          ? await withConnection(db, async (conn) =>
              json((await conn.runAndReadAll(`SELECT * FROM read_parquet('${file.replace(/'/g, "''")}')`)).getRowObjectsJS()),
            )
          : readFileSync(file, 'utf8');
        places[`lake file ${path.relative(t.lakeRoot, file)}`] = `${content}\n${readFileSync(file).toString('latin1')}`;
      }
    } finally {
      db.closeSync();
    }

    // The scan covered real content, not empty places.
    assert.ok(workflows.length >= 4, `ingest, alerting and two clients at least: ${workflows.join(', ')}`);
    assert.ok(Object.keys(places).filter((p) => p.startsWith('lake file')).length >= 8, 'raw, bronze, silver, gold, error and ingest files');
    for (const layer of ['batch', 'bronze', 'signal', 'alert']) assert.ok((await rows(`layer = '${layer}'`)) >= 1, `a ${layer} row`);
    assert.ok(places[`history of ${ingestWorkflowId(prefix, t.config.target.topic)}`]?.includes('ingestBatch'), 'the ingest history was read');

    const leaks = Object.entries(places).flatMap(([place, text]) => SECRETS.filter((s) => text.includes(s)).map((s) => `${s} in ${place}`));
    assert.deepEqual(leaks, []);
  });
});
