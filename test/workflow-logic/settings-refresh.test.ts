/**
 * New settings and refresh requests reaching a running client workflow (stub activities): a
 * changed rule action applies from the next batch, is carried across continue-as-new and shows in
 * history; a bad update is refused; a refresh plans and switches between batches while batches
 * keep running during its rebuild.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { applySettingsUpdate, refreshUpdate, settingsQuery, stopSignal } from '../../contract/messages';
import { waitFor } from '../helpers';
import { batch, PATIENCE_MS, startLogicHarness } from './harness';
import type { LogicHarness } from './harness';

const TOPIC = 'set';
const b = (seq: number) => batch(seq, 3, TOPIC);
/** An update the workflow's validator refused, for this reason. */
const refused = (update: Promise<unknown>, reason: RegExp) =>
  assert.rejects(update, (e: Error) => reason.test(String((e.cause as Error | undefined)?.message)));
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('clientPipeline settings and refresh (stub activities)', () => {
  let h: LogicHarness;
  before(async () => {
    h = await startLogicHarness();
  });
  after(() => h.close());

  const actionOf = (batchId: string) => h.stubs.calls.find((c) => c.step === 'bronzeBatch' && c.batchId === batchId)?.ruleActions.valid_status;

  it('applies a changed rule action from the next batch, across continue-as-new, and records it in history', async () => {
    const wf = await h.startClient('c-set', { continueAsNewAfterEvents: 20 });
    h.stubs.on('bronzeBatch', b(1).batchId, { kind: 'hold' });
    await h.send(wf, b(0), b(1));
    await h.stubs.started('bronzeBatch', b(1).batchId);
    // No continue-as-new while a batch is in flight: the updates land in this run.
    const updatedRun = (await wf.describe()).runId;

    await refused(wf.executeUpdate(applySettingsUpdate, { args: [{ ruleActions: { valid_client_id: 'warn' } }] }), /routing rule/);
    await refused(wf.executeUpdate(applySettingsUpdate, { args: [{ maxMessages: 5 }] }), /not a setting of this workflow/);
    const changes = await wf.executeUpdate(applySettingsUpdate, { args: [{ ruleActions: { valid_status: 'warn', valid_amount: 'drop' } }] });
    assert.deepEqual(changes, [{ setting: 'ruleActions.valid_status', from: '"drop"', to: '"warn"' }]);
    h.stubs.release('bronzeBatch', b(1).batchId);

    const all = range(0, 12);
    await h.send(wf, ...range(2, 12).map(b));
    await h.statusWhen(wf, 'every batch done', (s) => s.processed === all.length && s.queued === 0);
    assert.equal(actionOf(b(0).batchId), 'drop');
    assert.equal(actionOf(b(1).batchId), 'drop', 'the run in flight keeps the actions it started with');
    for (const seq of range(2, 12)) assert.equal(actionOf(b(seq).batchId), 'warn', `batch ${seq} runs with the new action`);
    assert.notEqual((await wf.describe()).runId, updatedRun, 'the workflow continued as new');
    assert.equal((await wf.query(settingsQuery)).ruleActions?.valid_status, 'warn', 'carried into the new run');

    const history = await h.temporal.workflow.getHandle(wf.workflowId, updatedRun).fetchHistory();
    const accepted = (history.events ?? [])
      .map((e) => e.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input)
      .filter((i) => i?.name === 'applySettings');
    assert.equal(accepted.length, 1, 'one accepted update (the refused ones left no trace)');
    const payload = accepted[0]?.args?.payloads?.[0]?.data;
    assert.ok(payload);
    assert.deepEqual(JSON.parse(Buffer.from(payload).toString('utf8')), { ruleActions: { valid_status: 'warn', valid_amount: 'drop' } });
  });

  it('refreshes with the current actions: plans and switches between batches, while batches run during the rebuild', async () => {
    const wf = await h.startClient('c-ref', { continueAsNewAfterEvents: 2000 });
    await wf.executeUpdate(applySettingsUpdate, { args: [{ ruleActions: { valid_event_type: 'warn' } }] });
    await h.send(wf, b(100), b(101));
    await h.statusWhen(wf, 'the first batches', (s) => s.processed === 2);

    await refused(wf.executeUpdate(refreshUpdate, { args: [{ tables: ['bronze'] }] }), /silver and gold must be too/);
    const rebuild = h.stubs.holdRebuild();
    const refreshed = wf.executeUpdate(refreshUpdate, { args: [{ tables: ['silver', 'gold'] }] });
    await rebuild.started;
    await refused(wf.executeUpdate(refreshUpdate, { args: [{}] }), /already running/);
    // The client goes on while its tables are rebuilt.
    await h.send(wf, b(102), b(103));
    await h.statusWhen(wf, 'batches during the rebuild', (s) => s.processed === 4 && !s.busy);
    rebuild.release();
    const outcome = await refreshed;
    assert.deepEqual(outcome.tables, ['silver', 'gold']);

    const steps = h.stubs.refreshCalls.filter((c) => c.input.clientId === 'c-ref');
    assert.deepEqual(
      steps.map((c) => c.step),
      ['beginRefresh', 'refreshClient', 'switchRefresh'],
    );
    assert.equal(new Set(steps.map((c) => c.input.generation)).size, 1, 'one generation throughout');
    assert.equal(steps[0]?.input.ruleActions.valid_event_type, 'warn', 'the refresh uses the actions the client runs with');
    const gold103 = h.stubs.calls.findIndex((c) => c.step === 'goldBatch' && c.batchId === b(103).batchId);
    assert.ok(gold103 >= 0);
    await h.send(wf, b(104));
    await waitFor(
      'a batch after the refresh',
      async () => ((await wf.query(settingsQuery)) && h.stubs.count('goldBatch', b(104).batchId) === 1 ? true : null),
      PATIENCE_MS,
      100,
    );
  });

  it('a stop during a refresh waits for its switch, then the client stops', async () => {
    const wf = await h.startClient('c-stop', { continueAsNewAfterEvents: 2000 });
    await h.send(wf, b(200));
    await h.statusWhen(wf, 'the first batch', (s) => s.processed === 1);
    const rebuild = h.stubs.holdRebuild();
    const refreshed = wf.executeUpdate(refreshUpdate, { args: [{ tables: ['gold'] }] });
    await rebuild.started;
    await wf.signal(stopSignal, { reason: 'test' });
    await h.statusWhen(wf, 'stopped between batches', (s) => s.state === 'stopped');
    rebuild.release();
    assert.deepEqual((await refreshed).tables, ['gold']);
    const steps = h.stubs.refreshCalls.filter((c) => c.input.clientId === 'c-stop').map((c) => c.step);
    assert.deepEqual(steps, ['beginRefresh', 'refreshClient', 'switchRefresh']);
    assert.equal((await h.statusWhen(wf, 'still stopped', (s) => s.state === 'stopped')).processed, 1);
  });
});
