/** Alert throttling per client and channel, the alert's words, and secrets kept out of them. */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import type { Alert, AlertReport, FailureReport } from '../../contract/alerts';
import { readSecret } from '../../config/secrets';
import { resolveConfig } from '../../config/schema';
import { alertText, redact } from '../../domain/alert-text';
import { admitReport, decideAlert, initialAlertingState, pruneThrottles } from '../../domain/alerts';

const counts = { records: 50, failedBatches: 1, processedBatches: 3 };
const failure = (clientId: string | null = 'acme', batchId = 'b.1'): FailureReport => ({
  kind: 'failure',
  clientId,
  workflowId: `p-client-${clientId}`,
  batchId,
  layer: 'gold',
  error: 'it broke',
  errorType: 'DataQualityFailure',
  counts,
});
const recovery = (clientId = 'acme'): AlertReport => ({ kind: 'recovery', clientId, workflowId: `p-client-${clientId}`, counts });
const WINDOW = 60_000;

describe('decideAlert', () => {
  it('alerts a first failure at once, folds the next ones inside the window, and says how many after it', () => {
    let d = decideAlert(undefined, failure(), 1_000, WINDOW);
    assert.deepEqual(d.send, { folded: 0 });
    for (let i = 1; i <= 5; i++) {
      d = decideAlert(d.entry, failure(), 1_000 + i * 1_000, WINDOW);
      assert.equal(d.send, null, `failure ${i} inside the window is folded`);
    }
    assert.equal(d.entry.folded, 5);
    d = decideAlert(d.entry, failure(), 1_000 + WINDOW, WINDOW);
    assert.deepEqual(d.send, { folded: 5 });
    assert.deepEqual(d.entry, { lastAlertMs: 1_000 + WINDOW, folded: 0, failing: true });
  });

  it('sends a recovery only after an alerted failure, and the next failure alerts at once', () => {
    assert.equal(decideAlert(undefined, recovery(), 0, WINDOW).send, null);
    const failed = decideAlert(undefined, failure(), 0, WINDOW);
    const folded = decideAlert(failed.entry, failure(), 10, WINDOW);
    const recovered = decideAlert(folded.entry, recovery(), 20, WINDOW);
    assert.deepEqual(recovered.send, { folded: 1 });
    assert.equal(decideAlert(recovered.entry, recovery(), 30, WINDOW).send, null, 'one recovery notice');
    assert.deepEqual(decideAlert(recovered.entry, failure(), 40, WINDOW).send, { folded: 0 });
  });
});

describe('admitReport', () => {
  it('throttles each client and channel on its own', () => {
    const state = initialAlertingState();
    const at = (nowMs: number, reportId: string) => ({ nowMs, throttleMs: WINDOW, reportId });
    assert.equal(admitReport(state, ['log', 'email'], failure('acme'), at(0, 'r1')).length, 2);
    assert.equal(admitReport(state, ['log', 'email'], failure('acme'), at(1, 'r2')).length, 0);
    const globex = admitReport(state, ['log', 'email'], failure('globex'), at(2, 'r3'));
    assert.deepEqual(
      globex.map((a) => a.id),
      ['r3-log', 'r3-email'],
    );
    assert.equal(state.outbox.length, 4);
    assert.equal(state.throttles['email/acme']?.folded, 1);
  });

  it('keeps throttles bounded: a recovered client whose window passed is forgotten', () => {
    const state = initialAlertingState();
    admitReport(state, ['log'], failure('acme'), { nowMs: 0, throttleMs: WINDOW, reportId: 'a' });
    admitReport(state, ['log'], failure('globex'), { nowMs: 0, throttleMs: WINDOW, reportId: 'b' });
    admitReport(state, ['log'], recovery('acme'), { nowMs: 5, throttleMs: WINDOW, reportId: 'c' });
    pruneThrottles(state, WINDOW + 1, WINDOW);
    assert.deepEqual(Object.keys(state.throttles), ['log/globex']);
  });
});

describe('alert text', () => {
  it('names client, batch, layer, error, counts, folded failures and the link', () => {
    const alert: Alert = { id: 'x-email', channel: 'email', report: failure(), folded: 5 };
    const { subject, body } = alertText(alert, 'dev', 'http://ui/wf');
    assert.match(subject, /acme: batch b\.1 failed in gold/);
    for (const part of [
      'Client: acme',
      'Batch: b.1',
      'Layer: gold',
      'DataQualityFailure: it broke',
      'Records in batch: 50',
      '5 further failures folded',
      'http://ui/wf',
    ]) {
      assert.ok(body.includes(part), `${part} in:\n${body}`);
    }
    assert.match(alertText({ ...alert, report: recovery(), folded: 0 }, 'dev', 'l').subject, /acme recovered/);
  });

  it('redacts secrets from messages', () => {
    assert.equal(redact('POST https://hooks/T0k3n failed', ['https://hooks/T0k3n', undefined]), 'POST *** failed');
  });
});

describe('alert config and secrets', () => {
  const base = {
    targets: { dev: { namespace: 'default', lakePrefix: 'dev', topic: 't', consumerGroup: 'g' } },
    kafka: { brokers: ['127.0.0.1:9092'] },
    temporal: { address: '127.0.0.1:7233' },
    clients: {},
    batch: {},
  };
  it('lists every alert problem at once', () => {
    const bad = { ...base, alerts: { throttleMinutes: -1, email: { host: '', to: [], password: 'x' }, webhook: { url: 'http://x' } } };
    assert.throws(
      () => resolveConfig(bad, path.join, '/lake'),
      (e: Error & { problems?: string[] }) => {
        const text = (e.problems ?? []).join('\n');
        for (const p of ['alerts.throttleMinutes', 'alerts.email.host', 'alerts.email.to', 'alerts.email.from', 'alerts.email', 'alerts.webhook']) {
          assert.ok(text.includes(p), `${p} in:\n${text}`);
        }
        return true;
      },
    );
  });

  it('defaults to the log channel and a 15-minute window', () => {
    const c = resolveConfig(base, path.join, '/lake');
    assert.deepEqual(c.alerts, { throttleMinutes: 15, log: true });
  });

  it('reads a secret from the environment, else from its file', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'secret-'));
    writeFileSync(path.join(dir, 'pw'), 's3cret\n');
    assert.equal(readSecret('SMTP_PASSWORD', { SMTP_PASSWORD: 'direct', SMTP_PASSWORD_FILE: path.join(dir, 'pw') }), 'direct');
    assert.equal(readSecret('SMTP_PASSWORD', { SMTP_PASSWORD_FILE: path.join(dir, 'pw') }), 's3cret');
    assert.equal(readSecret('SMTP_PASSWORD', {}), undefined);
    assert.throws(() => readSecret('SMTP_PASSWORD', { SMTP_PASSWORD_FILE: path.join(dir, 'none') }), /SMTP_PASSWORD_FILE/);
  });
});
