/** Settings updates and refresh layout: what may be changed, what changed, where a generation lives. */
import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, it } from 'node:test';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import { parseBatchId, StagingLayout } from '../../domain/generations';
import { batchId, LakeLayout } from '../../domain/lake-layout';
import { refreshTablesProblem } from '../../domain/refresh-tables';
import { settingChanges, settingsPatchProblems, withSettings } from '../../domain/settings';

const client = { ruleActions: DEFAULT_RULE_ACTIONS };
const ingest = { ...client, maxMessages: 100, maxWaitMs: 200, clients: { known: ['acme'], autoDiscover: false } };

describe('settings updates', () => {
  it('refuses unknown rules, bad actions, routing rules other than drop, and fields the workflow does not hold', () => {
    assert.deepEqual(settingsPatchProblems({ ruleActions: { valid_status: 'warn' } }, client), []);
    assert.deepEqual(settingsPatchProblems({ ruleActions: { nope: 'warn', valid_status: 'ignore', unknown_client: 'warn' } }, client), [
      'ruleActions: unknown rule "nope"',
      'ruleActions.valid_status: action must be one of drop, warn, fail',
      'ruleActions.unknown_client: a routing rule only takes "drop"',
    ]);
    assert.deepEqual(settingsPatchProblems({ maxMessages: 10 }, client), ['maxMessages: not a setting of this workflow']);
    assert.deepEqual(settingsPatchProblems({ maxMessages: 0, maxWaitMs: 5, clients: { known: ['bad id'], autoDiscover: true } }, ingest), [
      'maxMessages must be a whole number from 1 to 100000',
      'maxWaitMs must be a whole number from 10 to 120000',
      'clients.known: invalid client id "bad id"',
    ]);
    assert.deepEqual(settingsPatchProblems(null, client), ['settings must be an object']);
  });

  it('lists what changes and applies it', () => {
    const patch = { ruleActions: { valid_status: 'drop' as const, valid_amount: 'warn' as const }, maxWaitMs: 500, clients: ingest.clients };
    assert.deepEqual(settingChanges(ingest, patch), [
      { setting: 'ruleActions.valid_amount', from: '"drop"', to: '"warn"' },
      { setting: 'maxWaitMs', from: '200', to: '500' },
    ]);
    const next = withSettings(ingest, patch);
    assert.equal(next.ruleActions.valid_amount, 'warn');
    assert.equal(next.ruleActions.valid_status, 'drop');
    assert.equal(next.maxWaitMs, 500);
    assert.equal(ingest.maxWaitMs, 200, 'the held settings are not changed in place');
  });
});

describe('refresh layout', () => {
  it('accepts a table only with the tables built from it', () => {
    assert.equal(refreshTablesProblem(['bronze', 'silver', 'gold']), null);
    assert.equal(refreshTablesProblem(['gold', 'silver']), null);
    assert.equal(refreshTablesProblem(['gold']), null);
    assert.match(refreshTablesProblem(['bronze']) ?? '', /silver and gold must be too/);
    assert.match(refreshTablesProblem(['silver']) ?? '', /gold must be too/);
    assert.match(refreshTablesProblem(['platinum']) ?? '', /unknown table/);
    assert.match(refreshTablesProblem([]) ?? '', /at least one/);
  });

  it('reads batch ids back', () => {
    assert.deepEqual(parseBatchId(batchId('my.topic', 42)), { topic: 'my.topic', seq: 42 });
    assert.equal(parseBatchId('x.parquet'), null);
  });

  it('stages only the asked tables of that client, and switches their live folders', () => {
    const lake = '/lake';
    const live = new LakeLayout(lake);
    const staged = new StagingLayout(lake, 'acme', 'g1', ['silver', 'gold']);
    const gen = path.join(lake, '_generations', 'acme', 'g1');
    assert.equal(staged.bronzeFile('acme', 'b'), live.bronzeFile('acme', 'b'), 'bronze is read from the live table');
    assert.equal(staged.silverFile('acme', 'b'), path.join(gen, 'silver', 'b.parquet'));
    assert.equal(staged.errorsFile('silver', 'acme', 'b'), path.join(gen, 'errors_silver', 'b.parquet'));
    assert.equal(staged.errorsFile('bronze', 'acme', 'b'), live.errorsFile('bronze', 'acme', 'b'));
    assert.equal(staged.silverFile('globex', 'b'), live.silverFile('globex', 'b'), 'other clients are untouched');
    assert.deepEqual(
      staged.switchedFolders().map((f) => path.relative(lake, f.live)),
      ['silver_acme', 'pipeline_errors/silver/acme', 'pipeline_quality_metrics/silver/acme', 'gold_acme_summary'],
    );
    assert.throws(() => new StagingLayout(lake, 'acme', '../x', ['gold']), /generation/);
    assert.throws(() => new StagingLayout(lake, '../x', 'g1', ['gold']), /client id/);
  });
});
