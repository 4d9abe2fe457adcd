/**
 * The references that name lake files: topics (the config and every activity use one rule,
 * Kafka's), batch ids (exactly the form the ingest gives them) and sequence numbers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load';
import { ConfigError } from '../../config/schema';
import { batchId } from '../../domain/lake-layout';
import { batchRefProblem, isValidSeq, isValidTopic } from '../../domain/references';

const configWithTopic = (topic: string) => loadConfig({ file: DEFAULT_CONFIG_FILE, env: { PIPELINE_TOPIC: topic } });

describe('lake references', () => {
  it("takes Kafka's topic names and nothing that could leave a folder", () => {
    for (const good of ['client-events', 'a', 'A.b_c-9', '...', '.hidden', 'x'.repeat(249)]) assert.ok(isValidTopic(good), good);
    for (const bad of ['', '.', '..', '../x', 'a/b', 'a\\b', 'a b', 'é', 'x'.repeat(250), 'a\0', 42, null, undefined]) {
      assert.ok(!isValidTopic(bad), String(bad));
    }
  });

  it('gives the config the same rule: "..", "." and 250 characters are refused, 249 taken', () => {
    for (const bad of ['..', '.', 'x'.repeat(250), 'a/b']) {
      assert.throws(
        () => configWithTopic(bad),
        (e: unknown) => e instanceof ConfigError && e.problems.some((p) => p.startsWith('targets.dev.topic: must be 1-249 characters')),
        bad,
      );
    }
    assert.equal(configWithTopic('x'.repeat(249)).target.topic, 'x'.repeat(249));
  });

  it('takes sequence numbers that are non-negative safe integers', () => {
    for (const good of [0, 1, 999_999_999, Number.MAX_SAFE_INTEGER]) assert.ok(isValidSeq(good), String(good));
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1, '1', null])
      assert.ok(!isValidSeq(bad), String(bad));
  });

  it('takes a batch id only in the exact form the ingest makes it', () => {
    const ok = { topic: 'events', seq: 7, batchId: batchId('events', 7), records: 3 };
    assert.equal(ok.batchId, 'events.000000007');
    assert.equal(batchRefProblem(ok), null);
    assert.equal(batchRefProblem({ topic: 'events', seq: 1_234_567_890, batchId: 'events.1234567890' }), null);
    const refused: [Record<string, unknown>, RegExp][] = [
      [{ ...ok, batchId: '../bronze_victim/events.000000007' }, /^batch id/],
      [{ ...ok, batchId: 'events.000000008' }, /^batch id/],
      [{ ...ok, batchId: 'events.7' }, /^batch id/],
      [{ ...ok, batchId: 42 }, /^batch id/],
      [{ ...ok, topic: '../../etc', batchId: '../../etc.000000007' }, /^topic/],
      [{ ...ok, topic: '..', batchId: '...000000007' }, /^topic/],
      [{ ...ok, seq: -1, batchId: 'events.0000000-1' }, /^sequence number/],
      [{ ...ok, seq: 0.5 }, /^sequence number/],
      [{ ...ok, records: -3 }, /^record count/],
    ];
    for (const [ref, problem] of refused) {
      assert.match(batchRefProblem(ref as { topic: unknown; seq: unknown }) ?? 'accepted', problem, JSON.stringify(ref));
    }
  });

  it('keeps the message about a huge crafted reference short', () => {
    const problem = batchRefProblem({ topic: 'events', seq: 0, batchId: `../${'x'.repeat(100_000)}` });
    assert.ok(problem !== null && problem.length < 300, problem ?? '');
  });
});
