/**
 * Alerts with stub activities: a client reports its failed batch, a failure signal and its
 * recovery; the alerting workflow folds failures inside the window and says how many after it,
 * sends a recovery notice, records a channel that keeps failing, and carries its throttles across
 * continue-as-new.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { WorkflowHandle } from '@temporalio/client';
import type { AlertChannel, AlertingInput, AlertReport, FailureReport } from '../../contract/alerts';
import { alertingStateQuery, alertReportSignal, failureSignal, replayBatchesUpdate } from '../../contract/messages';
import { recordHistory, waitFor } from '../helpers';
import { batch, PATIENCE_MS, startLogicHarness } from './harness';
import type { LogicHarness } from './harness';

const counts = { records: 10, failedBatches: 1, processedBatches: 0 };
const failure = (clientId: string, batchId: string): FailureReport => ({
  kind: 'failure',
  clientId,
  workflowId: `wf-${clientId}`,
  batchId,
  layer: 'gold',
  error: 'broke',
  errorType: 'DataQualityFailure',
  counts,
});

describe('alerts (stub activities)', () => {
  let h: LogicHarness;
  const alerting: WorkflowHandle[] = [];
  before(async () => {
    h = await startLogicHarness();
  });
  after(async () => {
    for (const wf of alerting) await wf.terminate('test finished').catch(() => undefined);
    await h.close();
  });

  async function startAlerting(name: string, channels: AlertChannel[], throttleMs: number, extra: Partial<AlertingInput> = {}) {
    const wf = await h.temporal.workflow.start('alerting', {
      taskQueue: h.taskQueue,
      workflowId: `${h.taskQueue}-alerts-${name}`,
      args: [{ target: 'test', channels, throttleMs, ...extra } satisfies AlertingInput],
    });
    alerting.push(wf);
    return wf;
  }
  const sentFor = (clientId: string) => h.stubs.alerts.sent.filter((a) => a.report.clientId === clientId);
  /** Channels send in parallel: compare each round in channel order. */
  const byChannel = <T extends { channel: string }>(alerts: T[]): T[] => [...alerts].sort((a, b) => a.channel.localeCompare(b.channel));
  const sentWhen = (clientId: string, n: number) =>
    waitFor(`${n} alerts for ${clientId}`, async () => (sentFor(clientId).length >= n ? sentFor(clientId) : null), PATIENCE_MS, 50);

  it('a batch failed for good is reported with its layer; a replay that clears it reports the recovery', async () => {
    const b0 = batch(0, 10, 'rep');
    h.stubs.on('goldBatch', b0.batchId, { kind: 'fail', message: 'gold said no' });
    const wf = await h.startClient('c-rep');
    await h.send(wf, b0);
    await h.statusWhen(wf, 'the batch failed', (s) => s.failed === 1);
    const reportsOf = () => h.stubs.alerts.reports.filter((r) => r.clientId === 'c-rep');
    await waitFor('the failure report', async () => reportsOf().length === 1, PATIENCE_MS, 50);
    assert.deepEqual(reportsOf()[0], {
      kind: 'failure',
      clientId: 'c-rep',
      workflowId: wf.workflowId,
      batchId: b0.batchId,
      layer: 'gold',
      errorType: 'DataQualityFailure',
      error: 'gold said no',
      counts: { records: 10, failedBatches: 1, processedBatches: 0 },
    });
    h.stubs.clear('goldBatch', b0.batchId);
    await wf.executeUpdate(replayBatchesUpdate, { args: [{ allFailed: true }] });
    await waitFor('the recovery report', async () => reportsOf().length === 2, PATIENCE_MS, 50);
    assert.equal(reportsOf()[1]?.kind, 'recovery');
  });

  it('the failure signal records a row and reports, and the next good batch reports the recovery', async () => {
    const wf = await h.startClient('c-sig');
    await wf.signal(failureSignal, { error: 'disk full', batchId: 'x.1' });
    await waitFor('the row and the report', async () => h.stubs.alerts.reports.some((r) => r.clientId === 'c-sig'), PATIENCE_MS, 50);
    const row = h.stubs.alerts.recorded.find((r) => r.clientId === 'c-sig');
    assert.deepEqual(
      { ...row, reportId: undefined },
      { clientId: 'c-sig', reportId: undefined, error: 'disk full', batchId: 'x.1', layer: 'signal' },
    );
    await h.send(wf, batch(0, 5, 'sig'));
    await waitFor('the recovery', async () => h.stubs.alerts.reports.filter((r) => r.clientId === 'c-sig').length === 2, PATIENCE_MS, 50);
    await recordHistory(h.temporal, wf.workflowId, 'client-pipeline-failure-signal-alerts');
  });

  it('folds failures inside the window, says how many after it, then sends one recovery notice', async () => {
    const throttleMs = 10_000;
    const wf = await startAlerting('fold', ['log', 'email'], throttleMs);
    await wf.signal(alertReportSignal, failure('c-fold', 'b.0'));
    const first = await sentWhen('c-fold', 2);
    assert.deepEqual(
      byChannel(first).map((a) => [a.channel, a.folded, a.report.kind === 'failure' && a.report.batchId]),
      [
        ['email', 0, 'b.0'],
        ['log', 0, 'b.0'],
      ],
    );
    for (let i = 1; i <= 5; i++) await wf.signal(alertReportSignal, failure('c-fold', `b.${i}`));
    const folded = await waitFor(
      'five folded',
      async () => {
        const s = await wf.query(alertingStateQuery);
        return s.throttles['email/c-fold']?.folded === 5 ? s : null;
      },
      PATIENCE_MS,
      50,
    );
    assert.equal(folded.decided, 2, 'nothing more decided inside the window');
    assert.equal(sentFor('c-fold').length, 2);

    await new Promise((r) => setTimeout(r, throttleMs + 200));
    await wf.signal(alertReportSignal, failure('c-fold', 'b.6'));
    const after = (await sentWhen('c-fold', 4)).slice(2);
    assert.deepEqual(
      byChannel(after).map((a) => [a.channel, a.folded]),
      [
        ['email', 5],
        ['log', 5],
      ],
    );
    await wf.signal(alertReportSignal, { kind: 'recovery', clientId: 'c-fold', workflowId: 'wf-c-fold', counts } satisfies AlertReport);
    await wf.signal(alertReportSignal, { kind: 'recovery', clientId: 'c-fold', workflowId: 'wf-c-fold', counts } satisfies AlertReport);
    const all = await sentWhen('c-fold', 6);
    await waitFor('outbox empty', async () => (await wf.query(alertingStateQuery)).outbox.length === 0, PATIENCE_MS, 50);
    assert.deepEqual(
      byChannel(sentFor('c-fold').slice(4)).map((a) => [a.channel, a.report.kind]),
      [
        ['email', 'recovery'],
        ['log', 'recovery'],
      ],
    );
    assert.equal(all.length, 6, 'one recovery notice per channel');
    await recordHistory(h.temporal, wf.workflowId, 'alerting-fold-and-recover');
  });

  it('a channel that keeps failing is recorded, and the other channels still send', async () => {
    h.stubs.alerts.failing.add('webhook');
    const wf = await startAlerting('down', ['log', 'webhook'], 60_000);
    await wf.signal(alertReportSignal, failure('c-down', 'b.0'));
    const row = await waitFor(
      'the channel failure row',
      async () => h.stubs.alerts.channelFailures.find((f) => f.alert.report.clientId === 'c-down'),
      PATIENCE_MS,
      50,
    );
    assert.equal(row.alert.channel, 'webhook');
    assert.match(row.error, /webhook is down/);
    assert.deepEqual(
      sentFor('c-down').map((a) => a.channel),
      ['log'],
    );
    h.stubs.alerts.failing.delete('webhook');
  });

  it('carries throttles across continue-as-new', async () => {
    const wf = await startAlerting('can', ['log'], 60_000, { continueAsNewAfterEvents: 20 });
    for (let i = 0; i < 12; i++) await wf.signal(alertReportSignal, failure('c-can', `b.${i}`));
    await waitFor(
      'a new run with the folds',
      async () => {
        const d = await wf.describe();
        const s = await wf.query(alertingStateQuery);
        return d.runId !== wf.firstExecutionRunId && s.throttles['log/c-can']?.folded === 11 ? s : null;
      },
      PATIENCE_MS,
      100,
    );
    assert.equal(sentFor('c-can').length, 1, 'one alert across runs');
  });
});
