/**
 * Temporal over TLS, mutual TLS and an API key, for real: the dev server has no TLS of its own,
 * so a TLS front that demands a client certificate and the API key (test/temporal-tls-proxy.ts)
 * stands before it. A `pipeline worker` process and the CLI, configured only through the
 * environment, run a pipeline through it; a client without the key, with a wrong key, without a
 * client certificate or without the CA is refused, and no error quotes a key.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
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
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load';
import { deleteTopic, isolatedEnv, requireServices, startWorkerProcess, terminateWorkflows, waitFor } from '../helpers';
import type { TestEnv, WorkerProcess } from '../helpers';
import { makeTestCertificates } from '../secure-broker';
import type { TestCertificates } from '../secure-broker';
import { startTemporalTlsProxy } from '../temporal-tls-proxy';
import type { TlsProxy } from '../temporal-tls-proxy';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '..', '..');
const API_KEY = 'tmprl-key-2c9d41';
const WRONG_KEY = 'tmprl-wrong-6a0e';

async function connectError(t: TestEnv, env: NodeJS.ProcessEnv): Promise<Error> {
  const config = loadConfig({ env: { ...t.env, ...env } });
  try {
    const client = await connectClient(config, { ...t.env, ...env });
    await client.connection.close();
  } catch (e) {
    return e as Error;
  }
  assert.fail('expected the connection to be refused');
}

describe('Temporal over TLS, mutual TLS and an API key', () => {
  let dir: string;
  let certs: TestCertificates;
  let proxy: TlsProxy;
  let t: TestEnv;
  let temporal: Client;
  let kafka: Kafka;
  let worker: WorkerProcess;

  before(async () => {
    const plain = loadConfig({ file: DEFAULT_CONFIG_FILE, env: {} });
    await requireServices(plain);
    dir = mkdtempSync(path.join(os.tmpdir(), 'temporal-tls-'));
    certs = makeTestCertificates(dir);
    proxy = await startTemporalTlsProxy(plain.temporal.address, certs, API_KEY);
    const keyFile = path.join(dir, 'api-key');
    writeFileSync(keyFile, `${API_KEY}\n`, { mode: 0o600 });
    t = isolatedEnv('temporal-tls', {
      PIPELINE_TEMPORAL_ADDRESS: proxy.address,
      PIPELINE_TEMPORAL_TLS_CA_FILE: certs.caFile,
      PIPELINE_TEMPORAL_TLS_CERT_FILE: certs.clientCert,
      PIPELINE_TEMPORAL_TLS_KEY_FILE: certs.clientKey,
      TEMPORAL_API_KEY_FILE: keyFile,
      PIPELINE_KNOWN_CLIENTS: 'acme',
      PIPELINE_BATCH_MAX_WAIT_MS: '200',
    });
    temporal = await connectClient(t.config, t.env);
    kafka = createKafka(t.config.kafka, t.env);
    await ensureTopic(kafka, t.config.target.topic, 1);
  });

  after(async () => {
    if (temporal) await terminateWorkflows(temporal, t.config.temporal.workflowIdPrefix, 'temporal TLS test finished');
    await worker?.stop();
    await temporal?.connection.close();
    if (kafka) await deleteTopic(kafka, t.config.target.topic);
    await proxy?.close();
    t?.cleanupLake();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a worker process and the CLI run a pipeline through it', async () => {
    worker = startWorkerProcess(t.env);
    await worker.ready;
    await startPipeline(t.config, temporal);
    const events = Array.from({ length: 12 }, (_, i) => ({
      key: 'acme',
      value: Buffer.from(
        JSON.stringify({
          client_id: 'acme',
          timestamp: `2026-11-20T12:${String(i).padStart(2, '0')}:00Z`,
          event_type: 'buy',
          status: 'active',
          amount: i,
        }),
      ),
    }));
    await produceMessages(kafka, t.config.target.topic, events);
    await waitFor('acme silver', async () => Number((await querySql(t.config, 'SELECT count(*) AS n FROM silver_acme'))[0]?.n) === 12, 90_000);
    const { stdout } = await run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'scripts', 'pipeline.ts'), 'status', 'acme', '--json'], {
      cwd: ROOT,
      env: t.env,
    });
    assert.match(stdout, /"clientId": ?"acme"/);
    assert.ok(proxy.forwardedCalls > 0);
    assert.equal(proxy.refusedCalls, 0, 'every call of the worker and the CLI carried the API key');
    assert.equal(worker.output().includes(API_KEY), false);
  });

  it('without the API key, or with a wrong one, calls are refused, and no error quotes a key', async () => {
    const refusedBefore = proxy.refusedCalls;
    const missing = await connectError(t, { TEMPORAL_API_KEY_FILE: '', PIPELINE_TEMPORAL_TLS: 'true' });
    assert.match(missing.message, /cannot reach Temporal at .*UNAUTHENTICATED: missing or wrong API key/);
    const wrong = await connectError(t, { TEMPORAL_API_KEY_FILE: '', TEMPORAL_API_KEY: WRONG_KEY });
    assert.match(wrong.message, /UNAUTHENTICATED: missing or wrong API key/);
    assert.ok(proxy.refusedCalls >= refusedBefore + 2);
    for (const error of [missing, wrong]) {
      for (const key of [API_KEY, WRONG_KEY]) assert.equal(`${error.message}\n${String(error.stack)}`.includes(key), false);
    }
  });

  it('without a client certificate, or without the CA, the TLS handshake fails', async () => {
    // Refused in the handshake, before any call reaches the front.
    const handshakes = proxy.failedHandshakes;
    const noCert = await connectError(t, { PIPELINE_TEMPORAL_TLS_CERT_FILE: '', PIPELINE_TEMPORAL_TLS_KEY_FILE: '' });
    assert.ok(proxy.failedHandshakes > handshakes, 'the front refused the handshake without a client certificate');
    const afterNoCert = proxy.failedHandshakes;
    const noCa = await connectError(t, { PIPELINE_TEMPORAL_TLS_CA_FILE: '' });
    assert.ok(proxy.failedHandshakes > afterNoCert, 'the client broke off the handshake with a server it cannot verify');
    for (const error of [noCert, noCa]) {
      assert.match(
        error.message,
        /^cannot reach Temporal at 127\.0\.0\.1:\d+ \(Failed to connect.*\); check temporal\.tls \(CA, client certificate\) and the API key$/,
      );
      assert.equal(error.message.includes(API_KEY), false);
    }
  });
});
