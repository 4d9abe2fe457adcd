/**
 * A KRaft cluster id is random base64url, so one in 64 begins with '-'; the storage tool must
 * still take it as the id and not as an option.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { localStackHome } from '../../config/local-home';
import { stackPaths } from '../../scripts/stack/layout';
import { formatKafkaStorage } from '../../scripts/stack/supervise';

describe('formatting Kafka storage', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kafka-format-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('takes a cluster id that begins with a dash', () => {
    const libs = stackPaths(localStackHome()).kafkaLibs;
    assert.ok(existsSync(libs), `the Kafka jars are missing at ${libs}: run \`npx pipeline stack up\` once`);
    const propsFile = path.join(dir, 'server.properties');
    writeFileSync(
      propsFile,
      [
        'process.roles=broker,controller',
        'node.id=1',
        'listeners=PLAINTEXT://127.0.0.1:1,CONTROLLER://127.0.0.1:2',
        'controller.listener.names=CONTROLLER',
        'controller.quorum.bootstrap.servers=127.0.0.1:2',
        `log.dirs=${path.join(dir, 'data')}`,
        '',
      ].join('\n'),
    );
    const clusterId = '-xJyGDdL5_A7II3RBBvbQ';
    formatKafkaStorage({ classpath: `${libs}/*`, propsFile, clusterId, stderr: 'pipe' });
    const meta = readFileSync(path.join(dir, 'data', 'meta.properties'), 'utf8');
    assert.match(meta, new RegExp(`^cluster\\.id=${clusterId}$`, 'm'));
  });
});
