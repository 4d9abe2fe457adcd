/**
 * Alerts end to end on the real stack, with a real worker process, a real SMTP server and a real
 * webhook endpoint: a failed batch leaves no partial rows and gives one e-mail and one webhook
 * call; five more failures inside the window send nothing; the next one after it says it folded
 * five; `failure` signals from the temporal CLI and the project CLI each give a row and alerts; a
 * batch failing in gold is compensated, alerted, and once replayed exact, with a recovery notice; with
 * the SMTP server down the pipeline goes on and the channel's failure is an `alert` row. No secret
 * reaches a history, a row or an alert.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { createKafka } from '../../adapters/kafka/kafka';
import { ensureTopic, produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { connectClient } from '../../adapters/temporal/client';
import { startPipeline } from '../../adapters/temporal/start';
import { reportClientFailure } from '../../adapters/temporal/failure-signal';
import { DEFAULT_CONFIG_FILE } from '../../config/load';
import { localStackHome } from '../../config/local-home';
import { alertingWorkflowId } from '../../contract/alerts';
import { clientWorkflowId } from '../../contract/ids';
import { alertingStateQuery } from '../../contract/messages';
import { LakeLayout } from '../../domain/lake-layout';
import { stackPaths } from '../../scripts/stack/layout';
import { deleteTopic, historyStats, isolatedEnv, requireServices, startWorkerProcess, terminateWorkflows, waitFor } from '../helpers';
import type { TestEnv, WorkerProcess } from '../helpers';
import { mailText, startSmtpSink, startWebhookSink } from './alert-sinks';
import type { SmtpSink, WebhookSink } from './alert-sinks';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const SMTP_PASSWORD = 'smtp-pw-5ecret';
const HOOK_TOKEN = 'T0KEN-5ecret';
const THROTTLE_MINUTES = 0.75;

const event = (client: string, i: number, status = 'active') => ({
  key: client,
  value: Buffer.from(
    JSON.stringify({ client_id: client, timestamp: `2026-11-20T10:${String(i % 60).padStart(2, '0')}:00Z`, event_type: 'buy', status, amount: i }),
  ),
});

describe('alerts on the real stack', () => {
  let smtp: SmtpSink;
  let hook: WebhookSink;
  let t: TestEnv;
  let temporal: Client;
  let kafka: Kafka;
  let worker: WorkerProcess;
  let prefix: string;

  before(async () => {
    smtp = await startSmtpSink();
    hook = await startWebhookSink();
    const base = JSON.parse(readFileSync(DEFAULT_CONFIG_FILE, 'utf8')) as Record<string, unknown>;
    const config = {
      ...base,
      rules: { ...(base.rules as object), valid_status: 'fail' },
      alerts: {
        throttleMinutes: THROTTLE_MINUTES,
        email: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'pipeline', from: 'pipeline@example.com', to: ['ops@example.com'] },
        webhook: { timeoutMs: 5000 },
      },
    };
    t = isolatedEnv('alerts', {
      PIPELINE_KNOWN_CLIENTS: 'acme,globex,initech,umbrella,hooli',
      PIPELINE_BATCH_MAX_WAIT_MS: '200',
      PIPELINE_BATCH_MAX_MESSAGES: '100000',
      SMTP_PASSWORD,
      ALERT_WEBHOOK_URL: `http://127.0.0.1:${hook.port}/hook/${HOOK_TOKEN}`,
    });
    const file = path.join(t.lakeRoot, 'pipeline.config.json');
    writeFileSync(file, JSON.stringify(config));
    t = isolatedEnv('alerts', { ...t.env, PIPELINE_CONFIG: file });
    prefix = t.config.temporal.workflowIdPrefix;
    await requireServices(t.config);
    temporal = await connectClient(t.config);
    kafka = createKafka(t.config.kafka);
    await ensureTopic(kafka, t.config.target.topic, 1);
    worker = startWorkerProcess(t.env);
    await worker.ready;
    await startPipeline(t.config, temporal);
  });

  after(async () => {
    await terminateWorkflows(temporal, prefix, 'alerts test finished');
    await worker.stop();
    await temporal.connection.close();
    await deleteTopic(kafka, t.config.target.topic);
    await Promise.all([smtp.close(), hook.close()]);
    t.cleanupLake();
  });

  const mailsFor = (client: string) => smtp.mails.filter((m) => mailText(m.raw).includes(`Client: ${client}`));
  const hooksFor = (client: string) => hook.calls.filter((c) => c.text.includes(`Client: ${client}`));
  const alertsArrived = (client: string, mails: number, hooks: number) =>
    waitFor(
      `${mails} e-mails and ${hooks} webhook calls for ${client}`,
      async () => mailsFor(client).length >= mails && hooksFor(client).length >= hooks,
      60_000,
    );
  const errorRows = async (where: string) => Number((await querySql(t.config, `SELECT count(*) AS n FROM pipeline_errors WHERE ${where}`))[0]?.n);

  it('a failed batch: no partial rows, one e-mail and one webhook call naming client, batch, error and link', async () => {
    await produceMessages(kafka, t.config.target.topic, [
      ...Array.from({ length: 30 }, (_, i) => event('acme', i, i === 3 ? 'archived' : 'active')),
      ...Array.from({ length: 20 }, (_, i) => event('globex', i)),
    ]);
    await alertsArrived('acme', 1, 1);
    const [failed] = await querySql(t.config, `SELECT batch_id FROM pipeline_errors WHERE layer = 'batch' AND client_id = 'acme'`);
    const batchId = String(failed?.batch_id);
    const layout = new LakeLayout(t.config.lakeDir);
    assert.equal(existsSync(layout.bronzeFile('acme', batchId)), false, 'no partial bronze');
    assert.equal(existsSync(layout.silverFile('acme', batchId)), false, 'no partial silver');

    const link = `http://127.0.0.1:8233/namespaces/default/workflows/${clientWorkflowId(prefix, 'acme')}`;
    const mail = mailText(mailsFor('acme')[0]!.raw);
    const call = hooksFor('acme')[0]!;
    for (const text of [mail, call.text]) {
      for (const part of ['Client: acme', `Batch: ${batchId}`, 'Layer: silver', 'valid_status', link])
        assert.ok(text.includes(part), `${part} in:\n${text}`);
    }
    assert.equal(mailsFor('acme')[0]!.password, SMTP_PASSWORD, 'the worker logged in with the secret from its environment');
    assert.equal(call.path, `/hook/${HOOK_TOKEN}`);
  });

  it('five more failures inside the window send nothing; the next after it says it folded five', async () => {
    for (let i = 1; i <= 5; i++) await reportClientFailure(t.config, temporal, 'acme', { error: `probe ${i} failed` });
    const alerting = temporal.workflow.getHandle(alertingWorkflowId(prefix));
    const state = await waitFor(
      'five folded on both channels',
      async () => {
        const s = await alerting.query(alertingStateQuery);
        return s.throttles['email/acme']?.folded === 5 && s.throttles['webhook/acme']?.folded === 5 ? s : null;
      },
      60_000,
    );
    assert.equal(mailsFor('acme').length, 1);
    assert.equal(hooksFor('acme').length, 1);
    assert.equal(await errorRows(`layer = 'signal' AND client_id = 'acme'`), 5, 'each failure signal has its row');

    // Past the window (measured in the alerting workflow's own time), one more failure.
    const windowEnds = (state.throttles['email/acme']?.lastAlertMs ?? 0) + THROTTLE_MINUTES * 60_000;
    await new Promise((r) => setTimeout(r, Math.max(0, windowEnds - Date.now()) + 1000));
    await reportClientFailure(t.config, temporal, 'acme', { error: 'probe 6 failed' });
    await alertsArrived('acme', 2, 2);
    for (const text of [mailText(mailsFor('acme')[1]!.raw), hooksFor('acme')[1]!.text]) {
      assert.match(text, /5 further failures folded since the previous alert/);
      assert.match(text, /probe 6 failed/);
    }
  });

  it('a failure signal from the temporal CLI and one from the project CLI each give a row and alerts', async () => {
    const cli = stackPaths(localStackHome(t.env)).temporalBin;
    await run(cli, [
      'workflow',
      'signal',
      '--address',
      t.config.temporal.address,
      '--namespace',
      t.config.temporal.namespace,
      '--workflow-id',
      clientWorkflowId(prefix, 'globex'),
      '--name',
      'failure',
      '--input',
      JSON.stringify({ error: 'monitor: globex lag too high', batchId: 'outside-1' }),
    ]);
    await run(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'scripts', 'pipeline.ts'), 'failure', 'initech', '--error', 'operator: initech feed stale'],
      {
        cwd: ROOT,
        env: t.env,
      },
    );
    await alertsArrived('globex', 1, 1);
    await alertsArrived('initech', 1, 1);
    assert.match(mailText(mailsFor('globex')[0]!.raw), /monitor: globex lag too high/);
    assert.match(hooksFor('initech')[0]!.text, /operator: initech feed stale/);
    await waitFor('both rows', async () => (await errorRows(`layer = 'signal' AND client_id IN ('globex', 'initech')`)) === 2, 30_000);
  });

  it('a batch failing in gold: compensated once the fault clears, alerted, and after replay exact with a recovery notice', async () => {
    const layout = new LakeLayout(t.config.lakeDir);
    // A file where hooli's gold table folder belongs: every gold write of hooli fails, and so does
    // the compensation's gold rebuild, until the file is removed.
    mkdirSync(path.dirname(layout.goldDir('hooli')), { recursive: true });
    writeFileSync(layout.goldDir('hooli'), 'blocks the gold folder');
    await produceMessages(
      kafka,
      t.config.target.topic,
      Array.from({ length: 12 }, (_, i) => event('hooli', i)),
    );
    const handle = temporal.workflow.getHandle(clientWorkflowId(prefix, 'hooli'));
    await waitFor(
      'gold of hooli to fail for good and its compensation to start',
      async () => {
        const pending = (await handle.describe()).raw.pendingActivities ?? [];
        return pending.some((a) => a.activityType?.name?.startsWith('discardClientBatch'));
      },
      180_000,
    );
    assert.equal(mailsFor('hooli').length, 0, 'no alert before the batch is compensated and recorded');
    rmSync(layout.goldDir('hooli'));

    await alertsArrived('hooli', 1, 1);
    const [failed] = await querySql(t.config, `SELECT batch_id FROM pipeline_errors WHERE layer = 'batch' AND client_id = 'hooli'`);
    const batchId = String(failed?.batch_id);
    for (const text of [mailText(mailsFor('hooli')[0]!.raw), hooksFor('hooli')[0]!.text]) {
      for (const part of ['Client: hooli', `Batch: ${batchId}`, 'Layer: gold', 'Records in batch: 12'])
        assert.ok(text.includes(part), `${part} in:\n${text}`);
    }
    assert.equal(existsSync(layout.bronzeFile('hooli', batchId)), false, 'no partial bronze');
    assert.equal(existsSync(layout.silverFile('hooli', batchId)), false, 'no partial silver');
    const goldFiles = existsSync(layout.goldDir('hooli')) ? readdirSync(layout.goldDir('hooli')) : [];
    assert.deepEqual(goldFiles, [], 'no partial gold');

    await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'pipeline.ts'), 'replay', 'hooli', '--all-failed'], {
      cwd: ROOT,
      env: t.env,
    });
    const [tables] = await querySql(
      t.config,
      `SELECT (SELECT count(*) FROM bronze_hooli) AS bronze, (SELECT count(*) FROM silver_hooli) AS silver,
              (SELECT sum(event_count) FROM gold_hooli_summary) AS gold_events, (SELECT sum(total_amount) FROM gold_hooli_summary) AS gold_total`,
    );
    assert.deepEqual(
      {
        bronze: Number(tables?.bronze),
        silver: Number(tables?.silver),
        goldEvents: Number(tables?.gold_events),
        goldTotal: Number(tables?.gold_total),
      },
      { bronze: 12, silver: 12, goldEvents: 12, goldTotal: 66 },
    );
    await alertsArrived('hooli', 2, 2);
    for (const text of [mailText(mailsFor('hooli')[1]!.raw), hooksFor('hooli')[1]!.text]) {
      assert.match(text, /hooli recovered|Its batches succeed again/);
    }
  });

  it('with the SMTP server down the pipeline goes on, and the channel failure is an alert row without secrets', async () => {
    await smtp.close();
    await produceMessages(kafka, t.config.target.topic, [
      ...Array.from({ length: 10 }, (_, i) => event('umbrella', i, i === 0 ? 'archived' : 'active')),
      ...Array.from({ length: 15 }, (_, i) => event('globex', 100 + i)),
    ]);
    await waitFor('the webhook alert for umbrella', async () => hooksFor('umbrella').length === 1, 60_000);
    await waitFor(
      'the e-mail channel recorded as failing',
      async () => (await errorRows(`layer = 'alert' AND client_id = 'umbrella'`)) === 1,
      60_000,
    );
    const [row] = await querySql(t.config, `SELECT table_name, error_message FROM pipeline_errors WHERE layer = 'alert'`);
    assert.equal(row?.table_name, 'alert_email');
    await waitFor(
      'the other client to go on',
      async () => Number((await querySql(t.config, 'SELECT count(*) AS n FROM silver_globex'))[0]?.n) === 35,
      60_000,
    );

    const everything = [
      JSON.stringify(await querySql(t.config, 'SELECT * FROM pipeline_errors')),
      (await historyStats(temporal, alertingWorkflowId(prefix))).payloadText,
      (await historyStats(temporal, clientWorkflowId(prefix, 'acme'))).payloadText,
      worker.output(),
    ].join('\n');
    for (const secret of [SMTP_PASSWORD, HOOK_TOKEN]) assert.equal(everything.includes(secret), false, `${secret} leaked`);
  });
});
