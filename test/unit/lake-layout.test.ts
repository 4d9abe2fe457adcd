import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchId, LakeLayout, ROUTER_SCOPE, tableName } from '../../domain/lake-layout';

describe('lake layout', () => {
  const layout = new LakeLayout('/lake/dev');
  it('names batches and files deterministically', () => {
    assert.equal(batchId('client-events', 42), 'client-events.000000042');
    assert.equal(layout.bronzeFile('acme', 'b'), '/lake/dev/bronze_acme/b.parquet');
    assert.equal(layout.goldFile('acme', { day: '2026-11-20' }), '/lake/dev/gold_acme_summary/2026-11-20.parquet');
    assert.equal(layout.errorsFile('bronze', ROUTER_SCOPE, 'b'), '/lake/dev/pipeline_errors/bronze/_router/b.parquet');
    assert.equal(tableName.gold('a-b'), 'gold_a-b_summary');
  });
  it('refuses to build a path from an invalid client id', () => {
    for (const id of ['../x', '', 'a/b', '_router', 'x'.repeat(65)]) {
      assert.throws(() => layout.bronzeFile(id, 'b'), /invalid client id/, id);
    }
    assert.throws(() => layout.goldFile('acme', { day: '2026-11-20; drop' }), /invalid day/);
  });
});
