/**
 * Securing connections from config and environment: TLS and SASL settings for Kafka, TLS, mTLS
 * and an API key for Temporal, what each connection is opened with, and that neither passwords,
 * API keys nor key material ever appear in a problem or an error.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { kafkaClientConfig } from '../../adapters/kafka/kafka';
import { temporalConnectionOptions } from '../../adapters/temporal/client';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load';
import { ConfigError } from '../../config/schema';

const dir = mkdtempSync(path.join(os.tmpdir(), 'security-'));
const file = (name: string, content: string) => {
  const at = path.join(dir, name);
  writeFileSync(at, content);
  return at;
};
const CA = file('ca.pem', '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n');
const CERT = file('client.pem', '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n');
const KEY_MATERIAL = 'PRIVATE-KEY-MATERIAL-7f3a';
const KEY = file('client.key', `-----BEGIN PRIVATE KEY-----\n${KEY_MATERIAL}\n-----END PRIVATE KEY-----\n`);
const SASL_PASSWORD = 'sasl-pw-9c1e';
const API_KEY = 'api-key-4b2d';

const load = (env: NodeJS.ProcessEnv) => loadConfig({ file: DEFAULT_CONFIG_FILE, env: { PIPELINE_STACK_HOME: '/tmp/stack', ...env } });

function problemsOf(env: NodeJS.ProcessEnv, configFile = DEFAULT_CONFIG_FILE): string[] {
  try {
    loadConfig({ file: configFile, env });
  } catch (e) {
    if (e instanceof ConfigError) return [...e.problems];
    throw e;
  }
  return [];
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  assert.fail('expected an error');
}

describe('Kafka security settings', () => {
  it('TLS on its own, with CA, client certificate, key and server name, from the environment', () => {
    const config = load({
      PIPELINE_KAFKA_TLS_CA_FILE: CA,
      PIPELINE_KAFKA_TLS_CERT_FILE: CERT,
      PIPELINE_KAFKA_TLS_KEY_FILE: KEY,
      PIPELINE_KAFKA_TLS_SERVERNAME: 'kafka.internal',
    });
    assert.deepEqual(config.kafka.tls, { enabled: true, caFile: CA, certFile: CERT, keyFile: KEY, servername: 'kafka.internal' });
    assert.equal(config.kafka.sasl, undefined);
    const kafka = kafkaClientConfig(config.kafka, {});
    const ssl = kafka.ssl as { ca: Buffer; cert: Buffer; key: Buffer; servername: string; rejectUnauthorized: boolean };
    assert.equal(ssl.ca.toString(), `-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n`);
    assert.ok(ssl.key.toString().includes(KEY_MATERIAL));
    assert.ok(ssl.cert.toString().includes('client'));
    assert.equal(ssl.servername, 'kafka.internal');
    assert.equal(ssl.rejectUnauthorized, true);
    assert.equal(kafka.sasl, undefined);
  });

  it('relative certificate paths are relative to the config file', () => {
    const base = JSON.parse(readFileSync(DEFAULT_CONFIG_FILE, 'utf8')) as Record<string, Record<string, unknown>>;
    base.kafka = { ...base.kafka, tls: { caFile: 'ca.pem' } };
    const config = loadConfig({ file: file('pipeline.config.json', JSON.stringify(base)), env: {} });
    assert.equal(config.kafka.tls?.caFile, CA);
  });

  it('no TLS and no SASL: a plain connection, as on the local stack', () => {
    const kafka = kafkaClientConfig(load({}).kafka, {});
    assert.equal(kafka.ssl, undefined);
    assert.equal(kafka.sasl, undefined);
  });

  for (const mechanism of ['plain', 'scram-sha-256', 'scram-sha-512'] as const) {
    it(`SASL ${mechanism} over TLS, the password from KAFKA_SASL_PASSWORD_FILE`, () => {
      const config = load({ PIPELINE_KAFKA_TLS: 'true', KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: 'pipeline' });
      const kafka = kafkaClientConfig(config.kafka, { KAFKA_SASL_PASSWORD_FILE: file('sasl-pw', `${SASL_PASSWORD}\n`) });
      assert.deepEqual(kafka.sasl, { mechanism, username: 'pipeline', password: SASL_PASSWORD });
      assert.deepEqual(kafka.ssl, { rejectUnauthorized: true });
    });
  }

  it('SASL without TLS is refused at load, listed with the other problems, unless allowed for local testing', () => {
    const problems = problemsOf({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', PIPELINE_BATCH_MAX_MESSAGES: '0' });
    assert.equal(problems.length, 2, problems.join('\n'));
    assert.match(problems.join('\n'), /batch\.maxMessages/);
    assert.match(problems.join('\n'), /kafka\.sasl: SASL without TLS sends the credentials readable.*allowPlaintext: true for local testing only/);
    assert.match(problemsOf({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', PIPELINE_KAFKA_TLS: 'false' })[0] ?? '', /kafka\.sasl/);
    const allowed = load({ KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'u', PIPELINE_KAFKA_SASL_ALLOW_PLAINTEXT: 'true' });
    assert.equal(allowed.kafka.sasl?.allowPlaintext, true);
    assert.equal(kafkaClientConfig(allowed.kafka, { KAFKA_SASL_PASSWORD: SASL_PASSWORD }).ssl, undefined);
  });

  it('an unknown mechanism, a missing user, and a certificate without its key are problems', () => {
    const joined = problemsOf({ KAFKA_SASL_MECHANISM: 'gssapi', PIPELINE_KAFKA_TLS_CERT_FILE: CERT }).join('\n');
    assert.match(joined, /kafka\.sasl\.mechanism/);
    assert.match(joined, /kafka\.sasl\.username/);
    assert.match(joined, /kafka\.tls: certFile and keyFile go together/);
  });

  it('a missing password or an unreadable key file is a clear error that quotes no secret', () => {
    const config = load({ PIPELINE_KAFKA_TLS: 'true', KAFKA_SASL_MECHANISM: 'scram-sha-512', KAFKA_SASL_USERNAME: 'pipeline' });
    assert.match(errorOf(() => kafkaClientConfig(config.kafka, {})).message, /needs a password: set KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE/);
    const missing = path.join(dir, 'absent.key');
    const tls = load({ PIPELINE_KAFKA_TLS_CERT_FILE: CERT, PIPELINE_KAFKA_TLS_KEY_FILE: missing });
    assert.equal(errorOf(() => kafkaClientConfig(tls.kafka, {})).message, `cannot read kafka.tls.keyFile (${missing}): ENOENT`);
  });
});

describe('Temporal security settings', () => {
  it('plain by default, as on the local dev server', () => {
    assert.deepEqual(temporalConnectionOptions(load({}).temporal, {}), { address: '127.0.0.1:7233' });
  });

  it('TLS with a private CA and a server name', () => {
    const config = load({ PIPELINE_TEMPORAL_TLS_CA_FILE: CA, PIPELINE_TEMPORAL_TLS_SERVERNAME: 'temporal.internal' });
    const options = temporalConnectionOptions(config.temporal, {});
    assert.equal(Buffer.from(options.tls?.serverRootCACertificate ?? []).toString(), `-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n`);
    assert.equal(options.tls?.serverNameOverride, 'temporal.internal');
    assert.equal(options.tls?.clientCertPair, undefined);
    assert.equal(options.apiKey, undefined);
  });

  it('mutual TLS with a client certificate and key', () => {
    const config = load({ PIPELINE_TEMPORAL_TLS: 'true', PIPELINE_TEMPORAL_TLS_CERT_FILE: CERT, PIPELINE_TEMPORAL_TLS_KEY_FILE: KEY });
    const pair = temporalConnectionOptions(config.temporal, {}).tls?.clientCertPair;
    assert.ok(
      Buffer.from(pair?.crt ?? [])
        .toString()
        .includes('client'),
    );
    assert.ok(
      Buffer.from(pair?.key ?? [])
        .toString()
        .includes(KEY_MATERIAL),
    );
  });

  it('an API key from TEMPORAL_API_KEY_FILE turns TLS on', () => {
    const options = temporalConnectionOptions(load({}).temporal, { TEMPORAL_API_KEY_FILE: file('api-key', `${API_KEY}\n`) });
    assert.deepEqual(options, { address: '127.0.0.1:7233', tls: {}, apiKey: API_KEY });
  });

  it('an API key over a connection configured without TLS is refused without quoting the key', () => {
    const error = errorOf(() => temporalConnectionOptions(load({ PIPELINE_TEMPORAL_TLS: 'false' }).temporal, { TEMPORAL_API_KEY: API_KEY }));
    assert.match(error.message, /TEMPORAL_API_KEY is set but temporal\.tls\.enabled is false/);
    assert.equal(error.message.includes(API_KEY), false);
  });

  it('problems and errors name settings and files, never their content', () => {
    assert.match(problemsOf({ PIPELINE_TEMPORAL_TLS_KEY_FILE: KEY }).join('\n'), /temporal\.tls: certFile and keyFile go together/);
    const missing = path.join(dir, 'absent-ca.pem');
    const config = load({ PIPELINE_TEMPORAL_TLS_CA_FILE: missing });
    const error = errorOf(() => temporalConnectionOptions(config.temporal, { TEMPORAL_API_KEY: API_KEY }));
    assert.equal(error.message, `cannot read temporal.tls.caFile (${missing}): ENOENT`);
    const everything = [error.message, ...problemsOf({ PIPELINE_TEMPORAL_TLS_KEY_FILE: KEY, KAFKA_SASL_MECHANISM: 'plain' })].join('\n');
    for (const secret of [API_KEY, KEY_MATERIAL, SASL_PASSWORD]) assert.equal(everything.includes(secret), false);
  });
});
