import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { msToNumber } from '@temporalio/common/lib/time';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load';
import { ConfigError, DEFAULT_BATCH_MAX_BYTES } from '../../config/schema';
import { MAX_BATCH_HOLD_MS, MAX_BATCH_WAIT_MS } from '../../contract/settings';
import { kafkaProfile } from '../../workflows/profiles';

function withFile(content: unknown): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cfg-'));
  const file = path.join(dir, 'pipeline.config.json');
  writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('configuration', () => {
  it('loads the shipped config with defaults filled in', () => {
    const config = loadConfig({ file: DEFAULT_CONFIG_FILE, env: { PIPELINE_STACK_HOME: '/tmp/stack' } });
    assert.equal(config.targetName, 'dev');
    assert.equal(config.target.topic, 'client-events');
    assert.equal(config.ruleActions.valid_status, 'drop');
    assert.deepEqual(config.namespaces, ['default', 'prod']);
    assert.equal(config.lakeDir, path.join('/tmp/stack', 'lake', 'dev'), 'the lake sits beside the local stack by default');
  });
  it('applies environment overrides, including to the chosen target', () => {
    const config = loadConfig({
      file: DEFAULT_CONFIG_FILE,
      env: {
        PIPELINE_TARGET: 'prod',
        PIPELINE_TOPIC: 'other',
        PIPELINE_KAFKA_BROKERS: 'a:1, b:2',
        PIPELINE_AUTO_DISCOVER: 'true',
        PIPELINE_BATCH_MAX_MESSAGES: '7',
        PIPELINE_LAKE_ROOT: '/data/lake',
      },
    });
    assert.equal(config.targetName, 'prod');
    assert.equal(config.temporal.namespace, 'prod');
    assert.equal(config.target.topic, 'other');
    assert.deepEqual(config.kafka.brokers, ['a:1', 'b:2']);
    assert.equal(config.clients.autoDiscover, true);
    assert.equal(config.batch.maxMessages, 7);
    assert.equal(config.lakeDir, '/data/lake/prod');
  });
  it('treats an empty list variable as an empty list, and other empty variables as unset', () => {
    const config = loadConfig({
      file: DEFAULT_CONFIG_FILE,
      env: { PIPELINE_KNOWN_CLIENTS: '', PIPELINE_TOPIC: '', PIPELINE_BATCH_MAX_MESSAGES: '' },
    });
    assert.deepEqual(config.clients.known, []);
    assert.equal(config.target.topic, 'client-events');
    assert.equal(config.batch.maxMessages, 100_000);
  });
  it('lists every problem at once', () => {
    const file = withFile({
      target: 'qa',
      targets: { dev: { namespace: 'default', lakePrefix: '../up', topic: 'bad topic!', consumerGroup: 'g' } },
      kafka: { brokers: [] },
      temporal: { address: 'nohost' },
      lake: { root: './lake' },
      clients: { known: ['ok', 'not ok'] },
      batch: { maxMessages: 0 },
      rules: { valid_status: 'explode', malformed_json: 'warn' },
      extra: true,
    });
    try {
      loadConfig({ file, env: {} });
      assert.fail('expected a ConfigError');
    } catch (e) {
      assert.ok(e instanceof ConfigError);
      const joined = e.problems.join('\n');
      for (const where of [
        'targets.dev.lakePrefix',
        'targets.dev.topic',
        'kafka.brokers',
        'temporal.address',
        'clients.known.1',
        'batch.maxMessages',
        'rules.valid_status',
        '(root)',
      ]) {
        assert.ok(joined.includes(where), `missing ${where} in:\n${joined}`);
      }
      assert.ok(e.problems.length >= 8, joined);
    }
  });
  it('reports the target and routing-rule actions that cannot work', () => {
    const file = withFile({
      target: 'qa',
      targets: { dev: { namespace: 'default', lakePrefix: 'dev', topic: 't', consumerGroup: 'g' } },
      kafka: { brokers: ['h:1'] },
      temporal: { address: 'h:2' },
      lake: { root: 'x' },
      clients: {},
      batch: {},
      rules: { unknown_client: 'warn' },
    });
    assert.throws(
      () => loadConfig({ file, env: {} }),
      (e: unknown) => {
        const problems = (e as ConfigError).problems.join('\n');
        return problems.includes('target: "qa" is not one of the configured targets (dev)') && problems.includes('rules.unknown_client');
      },
    );
  });
  it('bounds batches by bytes, and refuses a message limit the batch budget could not hold', () => {
    const config = loadConfig({ file: DEFAULT_CONFIG_FILE, env: { PIPELINE_BATCH_MAX_BYTES: String(8 << 20) } });
    assert.deepEqual([config.batch.maxBytes, config.limits.maxMessageBytes], [8 << 20, 1 << 20]);
    assert.equal(loadConfig({ file: DEFAULT_CONFIG_FILE, env: {} }).batch.maxBytes, DEFAULT_BATCH_MAX_BYTES);
    assert.throws(
      () =>
        loadConfig({ file: DEFAULT_CONFIG_FILE, env: { PIPELINE_BATCH_MAX_BYTES: String(2 << 20), PIPELINE_MAX_MESSAGE_BYTES: String(3 << 20) } }),
      (e: unknown) =>
        e instanceof ConfigError && e.problems.join('\n') === `limits.maxMessageBytes (${3 << 20}) must not exceed batch.maxBytes (${2 << 20})`,
    );
  });
  it('refuses a batch wait or hold the ingest activity could not finish within its start-to-close', () => {
    // With the longest of both, a batch still has a minute to be read and landed.
    const budgetMs = msToNumber(kafkaProfile.startToCloseTimeout!);
    assert.ok(MAX_BATCH_WAIT_MS + MAX_BATCH_HOLD_MS + 60_000 <= budgetMs, `${MAX_BATCH_WAIT_MS} + ${MAX_BATCH_HOLD_MS} ms of ${budgetMs}`);
    const env = { PIPELINE_BATCH_MAX_WAIT_MS: '300000', PIPELINE_BATCH_MAX_HOLD_MS: '130000' };
    assert.throws(
      () => loadConfig({ file: DEFAULT_CONFIG_FILE, env }),
      (e: unknown) =>
        e instanceof ConfigError && /batch\.maxWaitMs.*120000/.test(e.problems.join('\n')) && /batch\.maxHoldMs.*120000/.test(e.problems.join('\n')),
    );
  });
  it('explains a missing or unparsable file', () => {
    assert.throws(() => loadConfig({ file: '/nonexistent/p.json', env: {} }), /does not exist/);
    assert.throws(() => loadConfig({ file: withFile('{ nope'), env: {} }), /not valid JSON/);
  });
});
