/**
 * The shipped configuration's targets can run side by side on one stack: no two share a
 * namespace, topic, consumer group or lake folder, and each is chosen by PIPELINE_TARGET.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load';

describe('dev and prod targets', () => {
  const targets = ['dev', 'prod'].map((name) => loadConfig({ file: DEFAULT_CONFIG_FILE, env: { PIPELINE_TARGET: name } }));

  it('are chosen by PIPELINE_TARGET', () => {
    assert.deepEqual(
      targets.map((c) => c.targetName),
      ['dev', 'prod'],
    );
  });

  it('share no namespace, topic, consumer group or lake folder', () => {
    for (const pick of [
      (c: (typeof targets)[number]) => c.temporal.namespace,
      (c: (typeof targets)[number]) => c.target.topic,
      (c: (typeof targets)[number]) => c.target.consumerGroup,
      (c: (typeof targets)[number]) => c.lakeDir,
    ]) {
      const values = targets.map(pick);
      assert.equal(new Set(values).size, values.length, `${values.join(', ')} must differ`);
    }
  });

  it('ask the local stack for every namespace', () => {
    for (const c of targets) assert.ok(targets[0]!.namespaces.includes(c.temporal.namespace), c.temporal.namespace);
  });
});
