/**
 * dispatchBatch hands a landed batch to its clients in parallel, a bounded number at a time,
 * heartbeating its progress; a retry hands it to every client again (each client drops a seq it
 * already queued), and a cancelled attempt starts no further hand-off. Temporal is a stand-in
 * that records each signal-with-start; the done file is real.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createIngestActivities } from '../../activities/ingest';
import type { TopicOffsets } from '../../adapters/kafka/kafka';
import { IngestStore } from '../../adapters/lake/ingest-store';
import { DEFAULT_CONFIG_FILE, loadConfig } from '../../config/load';
import { clientWorkflowStart } from '../../contract/client-workflow';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { IngestSettings } from '../../contract/types';
import { batchId, LakeLayout } from '../../domain/lake-layout';

const TOPIC = 'events';
const CLIENTS = Array.from({ length: 40 }, (_, i) => `client-${String(i).padStart(2, '0')}`);

interface Call {
  workflowId: string;
  options: Record<string, unknown>;
}

/** Signal-with-start that takes a few milliseconds, counts how many run at once, and can fail once for one client. */
class FakeTemporal {
  calls: Call[] = [];
  running = 0;
  peak = 0;
  failFor: string | null = null;
  onCall: (() => void) | null = null;
  readonly client = {
    workflow: { signalWithStart: (_type: string, options: Record<string, unknown>) => this.signalWithStart(options) },
  } as unknown as Client;

  private async signalWithStart(options: Record<string, unknown>): Promise<void> {
    const workflowId = options.workflowId as string;
    this.calls.push({ workflowId, options });
    this.onCall?.();
    this.running += 1;
    this.peak = Math.max(this.peak, this.running);
    await new Promise((r) => setTimeout(r, 2 + (this.calls.length % 5)));
    this.running -= 1;
    if (workflowId.endsWith(this.failFor ?? '\0')) {
      this.failFor = null;
      throw new Error(`signal to ${workflowId} failed`);
    }
  }
}

describe('dispatchBatch', () => {
  let lakeRoot: string;
  let settings: IngestSettings;
  let fake: FakeTemporal;
  let dispatch: ReturnType<typeof createIngestActivities>['dispatchBatch'];

  before(async () => {
    lakeRoot = mkdtempSync(path.join(os.tmpdir(), 'lake-dispatch-'));
    const config = loadConfig({
      env: { ...process.env, PIPELINE_CONFIG: DEFAULT_CONFIG_FILE, PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: lakeRoot },
    });
    fake = new FakeTemporal();
    const unused = {} as never;
    dispatch = createIngestActivities({
      config,
      lakeId: 'lake-1',
      kafka: unused,
      offsets: unused as TopicOffsets,
      streams: unused,
      db: unused,
      temporal: fake.client,
    }).dispatchBatch;
    settings = {
      topic: TOPIC,
      maxMessages: 100,
      maxWaitMs: 10,
      clients: { known: CLIENTS, autoDiscover: false },
      ruleActions: DEFAULT_RULE_ACTIONS,
      workflowIdPrefix: 'p',
      taskQueue: 'q',
      lakeId: 'lake-1',
    };
    await new IngestStore(new LakeLayout(config.lakeDir)).writeDone({
      topic: TOPIC,
      seq: 3,
      batchId: batchId(TOPIC, 3),
      ranges: [{ partition: 0, from: '0', until: String(CLIENTS.length * 10) }],
      nextOffsets: { '0': String(CLIENTS.length * 10) },
      messages: CLIENTS.length * 10,
      unroutable: 0,
      clients: Object.fromEntries(CLIENTS.map((c, i) => [c, i + 1])),
      completedAt: '2026-11-20T10:00:00.000Z',
    });
  });
  after(() => rmSync(lakeRoot, { recursive: true, force: true }));

  const run = (env = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000 })) => env.run(dispatch, { settings, seq: 3 });

  it('hands the batch to every client once, several at a time but at most 16, heartbeating progress', async () => {
    fake.calls = [];
    fake.peak = 0;
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000 });
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    assert.equal(await run(env), CLIENTS.length);
    assert.deepEqual(fake.calls.map((c) => c.workflowId).sort(), CLIENTS.map((c) => clientWorkflowStart(settings, c).workflowId).sort());
    assert.ok(fake.peak > 1, `hand-offs ran one after another (peak ${fake.peak})`);
    assert.ok(fake.peak <= 16, `more than 16 hand-offs at once (peak ${fake.peak})`);
    assert.deepEqual(beats.at(-1), { handed: CLIENTS.length, of: CLIENTS.length });
    const second = fake.calls.find((c) => c.workflowId === clientWorkflowStart(settings, 'client-01').workflowId);
    const { workflowId, taskQueue, args, memo, staticSummary } = clientWorkflowStart(settings, 'client-01');
    assert.deepEqual(
      { workflowId: second?.options.workflowId, taskQueue: second?.options.taskQueue, args: second?.options.args, memo: second?.options.memo },
      { workflowId, taskQueue, args, memo },
    );
    assert.equal(second?.options.staticSummary, staticSummary);
    // The batch by reference (other fields, such as freshness hints, may ride along).
    const [ref] = (second?.options.signalArgs ?? []) as { topic: string; seq: number; batchId: string; records: number }[];
    assert.deepEqual(
      { topic: ref?.topic, seq: ref?.seq, batchId: ref?.batchId, records: ref?.records },
      { topic: TOPIC, seq: 3, batchId: batchId(TOPIC, 3), records: 2 },
    );
  });

  it('fails when one hand-off fails, and a retry hands the batch to every client again', async () => {
    fake.calls = [];
    fake.failFor = 'client-07';
    await assert.rejects(run(), /signal to .*client-07 failed/);
    fake.calls = [];
    assert.equal(await run(), CLIENTS.length);
    assert.equal(new Set(fake.calls.map((c) => c.workflowId)).size, CLIENTS.length);
  });

  it('starts no further hand-off once the attempt is cancelled', async () => {
    fake.calls = [];
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 60_000 });
    fake.onCall = () => {
      if (fake.calls.length === 5) env.cancel();
    };
    await assert.rejects(run(env));
    fake.onCall = null;
    await new Promise((r) => setTimeout(r, 50));
    assert.ok(fake.calls.length <= 16, `${fake.calls.length} hand-offs started although the attempt was cancelled after 5`);
  });
});
