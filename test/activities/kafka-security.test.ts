/**
 * Secured Kafka connections against a real broker of their own (test/secure-broker.ts): the
 * project's factory, configured from the environment as a deployment would be, produces and
 * consumes over SASL_SSL (SCRAM-SHA-512 and PLAIN) with a private CA, and over mutual TLS. A
 * wrong password, TLS without the CA and mTLS without a client certificate each fail with a clear
 * error, and no password reaches an error or the log.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createKafka, TopicOffsets } from '../../adapters/kafka/kafka';
import { ensureTopic, produceMessages } from '../../adapters/kafka/produce';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load';
import { startSecureBroker } from '../secure-broker';
import type { SecureBroker } from '../secure-broker';

const PASSWORD = 'alice-pw-3e8f0a';
const WRONG_PASSWORD = 'not-the-pw-77c1';

/** Everything written to stderr (where kafkajs logs) while `fn` runs, and what `fn` threw. */
async function failureOf(fn: () => Promise<unknown>): Promise<{ error: Error; stderr: string }> {
  const original = process.stderr.write.bind(process.stderr);
  let stderr = '';
  process.stderr.write = (chunk: string | Uint8Array, ...rest: never[]) => {
    stderr += chunk.toString();
    return original(chunk, ...rest);
  };
  try {
    await fn();
  } catch (e) {
    return { error: e as Error, stderr };
  } finally {
    process.stderr.write = original;
  }
  assert.fail('expected the connection to fail');
}

describe('Kafka over SASL_SSL and mutual TLS, on a broker of its own', () => {
  let broker: SecureBroker;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    broker = await startSecureBroker({ alice: PASSWORD });
    const passwordFile = path.join(broker.dir, 'sasl-password');
    writeFileSync(passwordFile, `${PASSWORD}\n`);
    env = {
      PIPELINE_STACK_HOME: '/tmp/unused-stack',
      PIPELINE_KAFKA_BROKERS: broker.address,
      PIPELINE_KAFKA_TLS_CA_FILE: broker.caFile,
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'alice',
      KAFKA_SASL_PASSWORD_FILE: passwordFile,
    };
  });

  after(async () => {
    await broker?.stop();
  });

  const configFrom = (overrides: NodeJS.ProcessEnv) => loadConfig({ file: DEFAULT_CONFIG_FILE, env: { ...env, ...overrides } }).kafka;

  it('SCRAM-SHA-512 with the CA from the config: produce, read the offsets, consume every message', async () => {
    const kafka = createKafka(configFrom({}), env);
    const topic = 'secured';
    await ensureTopic(kafka, topic, 1);
    const sent = Array.from({ length: 25 }, (_, i) => ({ key: `k${i}`, value: Buffer.from(JSON.stringify({ n: i })) }));
    await produceMessages(kafka, topic, sent);

    const offsets = new TopicOffsets(kafka);
    assert.deepEqual(await offsets.watermarks(topic), [{ partition: 0, low: 0n, high: 25n }]);
    await offsets.close();

    const consumer = kafka.consumer({ groupId: 'secured-reader', maxWaitTimeInMs: 100 });
    await consumer.connect();
    const received: string[] = [];
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              received.push(String(message.value));
              if (received.length === sent.length) resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    assert.deepEqual(
      received,
      sent.map((m) => m.value.toString()),
    );
  });

  it('PLAIN over the same TLS listener', async () => {
    const kafka = createKafka(configFrom({ KAFKA_SASL_MECHANISM: 'plain' }), env);
    await ensureTopic(kafka, 'secured-plain', 1);
    await produceMessages(kafka, 'secured-plain', [{ key: null, value: Buffer.from('{}') }]);
    const offsets = new TopicOffsets(kafka);
    assert.deepEqual(await offsets.watermarks('secured-plain'), [{ partition: 0, low: 0n, high: 1n }]);
    await offsets.close();
  });

  it('a wrong password fails as an authentication error that quotes neither password', async () => {
    for (const mechanism of ['scram-sha-512', 'plain']) {
      const wrongEnv = { ...env, KAFKA_SASL_PASSWORD_FILE: undefined, KAFKA_SASL_PASSWORD: WRONG_PASSWORD };
      const kafka = createKafka(configFrom({ KAFKA_SASL_MECHANISM: mechanism }), wrongEnv, { retries: 0 });
      const admin = kafka.admin();
      const { error, stderr } = await failureOf(() => admin.connect());
      assert.equal(error.name, 'KafkaJSSASLAuthenticationError');
      assert.match(stderr, /\{"level":"ERROR","logger":"kafkajs","message":"SASL (SCRAM SHA512|PLAIN) authentication failed/);
      assert.match(error.message, /^SASL (SCRAM SHA512|PLAIN) authentication failed: .*(invalid credentials|Invalid username or password)/);
      for (const secret of [WRONG_PASSWORD, PASSWORD]) {
        assert.equal(
          `${error.message}\n${String(error.stack)}\n${stderr}`.includes(secret),
          false,
          `${mechanism}: ${secret} in the error or the log`,
        );
      }
    }
  });

  it('TLS without the private CA fails: the broker certificate cannot be verified', async () => {
    const kafka = createKafka(configFrom({ PIPELINE_KAFKA_TLS_CA_FILE: '', PIPELINE_KAFKA_TLS: 'true' }), env, { retries: 0 });
    const { error, stderr } = await failureOf(() => kafka.admin().connect());
    assert.match(error.message, /unable to verify the first certificate|self[- ]signed certificate/);
    assert.equal(`${error.message}\n${stderr}`.includes(PASSWORD), false);
  });

  it('mutual TLS: the client certificate from the config is accepted, and refused when missing', async () => {
    const mtls = {
      PIPELINE_KAFKA_BROKERS: broker.mtlsAddress,
      KAFKA_SASL_MECHANISM: '',
      KAFKA_SASL_USERNAME: '',
      PIPELINE_KAFKA_TLS_CERT_FILE: broker.clientCert,
      PIPELINE_KAFKA_TLS_KEY_FILE: broker.clientKey,
    };
    const withCert = createKafka(configFrom(mtls), env);
    await ensureTopic(withCert, 'secured-mtls', 1);
    await produceMessages(withCert, 'secured-mtls', [{ key: null, value: Buffer.from('{}') }]);
    const offsets = new TopicOffsets(withCert);
    assert.deepEqual(await offsets.watermarks('secured-mtls'), [{ partition: 0, low: 0n, high: 1n }]);
    await offsets.close();

    const withoutCert = createKafka(configFrom({ ...mtls, PIPELINE_KAFKA_TLS_CERT_FILE: '', PIPELINE_KAFKA_TLS_KEY_FILE: '' }), env, { retries: 0 });
    const { error } = await failureOf(() => withoutCert.admin().connect());
    assert.match(error.message, /certificate/);
  });
});
