/**
 * The Temporal Web UI in a real browser (Debian's chromium driven by playwright-core): a small
 * pipeline runs demo traffic on the real stack, then the test filters the workflow list by the
 * ClientId search attribute, opens that client's workflow and reads its state and progress off
 * the page (freshness included), checked against `pipeline status --json`. It saves a screenshot
 * in its temp folder; with PIPELINE_UPDATE_SCREENSHOT=1 it also refreshes the README's copy
 * (docs/web-ui.png), so an ordinary test run leaves the clone untouched.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Client } from '@temporalio/client';
import type { Kafka } from 'kafkajs';
import { chromium } from 'playwright-core';
import type { Browser, Page } from 'playwright-core';
import { startPipeline } from '../../adapters/temporal/start';
import type { StatusReport } from '../../adapters/temporal/status';
import { createKafka, TopicOffsets } from '../../adapters/kafka/kafka';
import { ensureTopic, produceMessages } from '../../adapters/kafka/produce';
import { connectClient } from '../../adapters/temporal/client';
import { clientWorkflowId } from '../../contract/ids';
import { failureSignal } from '../../contract/messages';
import { generateDemo } from '../../domain/demo';
import { formatDelay } from '../../domain/freshness';
import { deleteTopic, isolatedEnv, requireServices, startWorkerProcess, terminateWorkflows, waitFor } from '../helpers';
import type { WorkerProcess } from '../helpers';

const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = process.env.PIPELINE_CHROMIUM ?? '/usr/bin/chromium';
const CLIENTS = ['acme', 'globex', 'initech'];
const CLIENT = 'acme';
const REPORTED_ERROR = 'lake disk nearly full (reported by the Web UI test)';
/** Visibility and the UI's own polling lag behind the workflow by a few seconds. */
const UI_TIMEOUT_MS = 30_000;

/** Fails, never skips, when the browser or the UI is not there, saying what to do. */
async function launchBrowser(uiUrl: string): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`chromium not found at ${CHROMIUM}: run \`sh scripts/ensure-chromium.sh\` as root (or apt-get install chromium)`);
  }
  const answer = await fetch(uiUrl).catch((e: unknown) => e as Error);
  if (answer instanceof Error || !answer.ok) {
    const why = answer instanceof Error ? answer.message : `HTTP ${answer.status}`;
    throw new Error(`the Temporal Web UI does not answer at ${uiUrl} (${why}): start the stack with \`npx pipeline stack up\``);
  }
  return chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
}

async function pipelineStatusJson(env: NodeJS.ProcessEnv, clientId: string): Promise<StatusReport['clients'][number]> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'scripts', 'pipeline.ts'), 'status', clientId, '--json'],
    {
      env,
    },
  );
  const [client] = (JSON.parse(stdout) as StatusReport).clients;
  assert.ok(client, `pipeline status ${clientId} --json reported no client`);
  return client;
}

/** The page's main text once it matches `ready`. */
async function mainText(page: Page, ready: RegExp): Promise<string | null> {
  const text = await page.locator('main').innerText();
  return ready.test(text) ? text : null;
}

/** The text of the "Current Details" frame once the workflow's answer is in it. */
async function currentDetails(page: Page): Promise<string | null> {
  for (const frame of page.frames()) {
    if (!frame.url().includes('/render?') || !frame.url().includes('processed')) continue;
    const text = await frame.locator('body').innerText();
    if (/processed \d+ batches/.test(text)) return text;
  }
  return null;
}

describe('Temporal Web UI in a browser', () => {
  const t = isolatedEnv('webui', {
    PIPELINE_KNOWN_CLIENTS: CLIENTS.join(','),
    PIPELINE_AUTO_DISCOVER: 'false',
    PIPELINE_BATCH_MAX_MESSAGES: '150',
    PIPELINE_BATCH_MAX_WAIT_MS: '300',
  });
  const { config } = t;
  const workflowId = clientWorkflowId(config.temporal.workflowIdPrefix, CLIENT);
  const shots = mkdtempSync(path.join(os.tmpdir(), 'web-ui-'));
  let temporal: Client;
  let kafka: Kafka;
  let offsets: TopicOffsets;
  let worker: WorkerProcess | null = null;
  let browser: Browser | null = null;

  before(async () => {
    await requireServices(config);
    browser = await launchBrowser(config.temporal.uiUrl);
    temporal = await connectClient(config);
    kafka = createKafka(config.kafka);
    offsets = new TopicOffsets(kafka);
    await ensureTopic(kafka, config.target.topic, 2);
    worker = startWorkerProcess(t.env);
    await worker.ready;
    await startPipeline(config, temporal);
    await produceMessages(kafka, config.target.topic, generateDemo({ count: 900, clients: CLIENTS.length, seed: 7 }));
    await waitFor(
      'the demo traffic to drain',
      async () => {
        const s = await pipelineStatusJson(t.env, CLIENT);
        return s.queued === 0 && !s.busy && s.totals.records > 0;
      },
      120_000,
      1_000,
    );
    // An outside monitor's report: the workflow shows it as its last error.
    await temporal.workflow.getHandle(workflowId).signal(failureSignal, { error: REPORTED_ERROR });
  });

  after(async () => {
    await browser?.close();
    await worker?.stop();
    if (temporal) {
      await terminateWorkflows(temporal, config.temporal.workflowIdPrefix, 'web ui test finished');
      await temporal.connection.close();
    }
    await offsets?.close();
    if (kafka) await deleteTopic(kafka, config.target.topic);
    t.cleanupLake();
  });

  it('finds a client by ClientId and shows its state and progress on the workflow page', async () => {
    const status = await waitFor(
      'the reported error in `pipeline status`',
      async () => {
        const s = await pipelineStatusJson(t.env, CLIENT);
        return s.lastError?.includes(REPORTED_ERROR) ? s : null;
      },
      30_000,
    );
    const page = await browser!.newPage({ viewport: { width: 1440, height: 900 } });

    // The list, filtered by the client's search attribute (and this run's id prefix).
    const ns = encodeURIComponent(config.temporal.namespace);
    const query = `ClientId="${CLIENT}" AND WorkflowId STARTS_WITH "${config.temporal.workflowIdPrefix}-"`;
    await page.goto(`${config.temporal.uiUrl}/namespaces/${ns}/workflows?query=${encodeURIComponent(query)}`);
    const link = page.getByRole('link', { name: workflowId, exact: true }).first();
    await link.waitFor({ timeout: UI_TIMEOUT_MS });
    await page.screenshot({ path: path.join(shots, 'list.png') });
    const otherClients = CLIENTS.filter((c) => c !== CLIENT).map((c) => clientWorkflowId(config.temporal.workflowIdPrefix, c));
    for (const other of otherClients) assert.equal(await page.getByText(other).count(), 0, `${other} is not ${CLIENT}`);

    await link.click();
    await page.getByText('Search Attributes', { exact: true }).first().click();
    const attributes = await waitFor('the search attributes', async () => mainText(page, /"PipelineState"/), UI_TIMEOUT_MS);
    assert.match(attributes, new RegExp(`"ClientId":\\s*"${CLIENT}"`));
    assert.equal(/"PipelineState":\s*"(\w+)"/.exec(attributes)?.[1], status.state, 'PipelineState as `pipeline status` says');

    // The workflow's current details: rendered as markdown in a frame of its own.
    await page.getByText('User Metadata', { exact: true }).first().click();
    const details = await waitFor('the current details', () => currentDetails(page), UI_TIMEOUT_MS);
    const count = (label: RegExp) => Number(label.exec(details)?.[1] ?? NaN);
    assert.match(details, new RegExp(`^${CLIENT}: waiting for batches`), 'the client is idle once drained');
    assert.equal(count(/processed (\d+) batches/), status.processed, 'processed batches');
    assert.ok(status.processed > 1, 'the traffic made several batches');
    assert.equal(count(/failed (\d+)/), status.failed, 'failed batches');
    assert.equal(count(/records (\d+)/), status.totals.records, 'records');
    assert.equal(count(/bronze (\d+)/), status.totals.bronze, 'bronze rows');
    assert.equal(count(/silver (\d+)/), status.totals.silver, 'silver rows');
    assert.equal(count(/dropped (\d+)/), status.totals.dropped, 'dropped records');
    assert.ok(status.totals.dropped > 0 && status.totals.silver > 0, 'the demo traffic held good and bad records');
    assert.ok(details.includes(`last error: ${REPORTED_ERROR}`), `the last error is shown:\n${details}`);
    // Freshness: nothing waits for gold, and the last batch's produce-to-gold delay is shown.
    assert.equal(status.freshness.pendingAgeMs, 0, 'nothing of the client is waiting for gold');
    assert.ok(status.lastGoldDelayMs != null, 'pipeline status knows the last produce-to-gold delay');
    assert.ok(details.includes(`last batch produce-to-gold ${formatDelay(status.lastGoldDelayMs)}`), `freshness is shown:\n${details}`);

    // The UI gives the details frame a fixed height; grow it to its content for the picture.
    await page.evaluate(`for (const frame of document.querySelectorAll('iframe[src^="/render"]')) {
      const height = frame.contentDocument?.documentElement.scrollHeight;
      if (height) frame.style.height = (height + 16) + 'px';
    }`);
    const shot = path.join(shots, 'web-ui.png');
    await page.screenshot({ path: shot });
    if (process.env.PIPELINE_UPDATE_SCREENSHOT === '1') {
      mkdirSync(path.join(ROOT, 'docs'), { recursive: true });
      copyFileSync(shot, path.join(ROOT, 'docs', 'web-ui.png'));
    }
  });
});
