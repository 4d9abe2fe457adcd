/**
 * `pipeline schedule` on the real dev server and broker: a schedule every few seconds runs one
 * client in triggered mode; traffic produced between runs is counted by exactly one run, each
 * run's summary matches the raw rows between its offsets, the client is stopped between runs,
 * its tables are exact at the end, and `schedule delete` removes the schedule. Beside a
 * continuous ingest the runs wait for it instead of starting one; a paused client's cut stays
 * queued until a run after resume.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { deleteSchedule, scheduleClient } from '../../adapters/temporal/schedule';
import type { ScheduleInfo } from '../../adapters/temporal/schedule';
import { produceMessages } from '../../adapters/kafka/produce';
import { startPipeline } from '../../adapters/temporal/start';
import { pauseClient, resumeClient } from '../../adapters/temporal/client-signals';
import { querySql } from '../../adapters/lake/sql-session';
import { clientWorkflowId, ingestWorkflowId, scheduleId } from '../../contract/ids';
import { ingestStatusQuery, statusQuery } from '../../contract/messages';
import type { ScheduledRunSummary } from '../../contract/scheduled-run';
import { demoClientIds, generateDemo } from '../../domain/demo';
import type { DemoMessage } from '../../domain/demo';
import { expectedTables } from '../e2e/expectations';
import type { Expected } from '../e2e/expectations';
import { recordHistory, startHarness, waitFor } from '../helpers';
import type { PipelineHarness } from '../helpers';

const CLIENTS = demoClientIds(2);
const SCHEDULED = CLIENTS[0]!;
const FIRST = 1200;
const COUNT = 2000;

type Run = ScheduledRunSummary & { workflowId: string };

/** The summaries of the schedule's completed runs, oldest first. */
async function completedRuns(h: PipelineHarness): Promise<Run[]> {
  const id = scheduleId(h.t.config.temporal.workflowIdPrefix, SCHEDULED);
  const runs: Run[] = [];
  for await (const wf of h.temporal.workflow.list({ query: `TemporalScheduledById = '${id}' AND ExecutionStatus = 'Completed'` })) {
    const summary = (await h.temporal.workflow.getHandle(wf.workflowId, wf.runId).result()) as ScheduledRunSummary;
    runs.push({ ...summary, workflowId: wf.workflowId });
  }
  return runs.sort((a, b) => a.startedAt.localeCompare(b.startedAt));
}

/** Every client's bronze, silver and gold hold exactly what the produced messages say. */
async function assertTablesExact(h: PipelineHarness, expected: Expected): Promise<void> {
  const sql = (q: string) => querySql(h.t.config, q);
  for (const c of CLIENTS) {
    for (const layer of ['bronze', 'silver'] as const) {
      const [r] = await sql(`SELECT count(*) AS n, count(DISTINCT ("partition", "offset")) AS d FROM "${layer}_${c}"`);
      const want = expected[layer].get(c);
      assert.deepEqual([Number(r?.n), Number(r?.d)], [want, want], `${layer}_${c}`);
    }
    const gold = await sql(`SELECT strftime(window_start, '%Y-%m-%dT%H:%M:%S.000Z') AS ws, event_type, event_count
                            FROM "gold_${c}_summary" ORDER BY window_start, event_type`);
    assert.deepEqual(
      gold.map((g) => [g.ws, g.event_type, Number(g.event_count)]),
      (expected.gold.get(c) ?? []).map((g) => [g.window_start, g.event_type, g.event_count]),
      `gold_${c}_summary`,
    );
  }
}

/** Waits until a client's workflow has nothing queued or in flight. */
async function drained(h: PipelineHarness, clientId: string): Promise<void> {
  const handle = h.temporal.workflow.getHandle(clientWorkflowId(h.t.config.temporal.workflowIdPrefix, clientId));
  await waitFor(`${clientId} to drain`, async () => ((s) => s.queued === 0 && !s.busy)(await handle.query(statusQuery)), 120_000);
}

function startScheduleHarness(name: string): Promise<PipelineHarness> {
  return startHarness(
    name,
    { PIPELINE_KNOWN_CLIENTS: CLIENTS.join(','), PIPELINE_BATCH_MAX_MESSAGES: '300', PIPELINE_BATCH_MAX_WAIT_MS: '200' },
    { partitions: 2 },
  );
}

/** Ends a test's pipeline; a schedule outlives everything else, so it is always removed. */
async function closeScheduleHarness(h: PipelineHarness): Promise<void> {
  await deleteSchedule(h.t.config, h.temporal, SCHEDULED).catch(() => undefined);
  await h.close();
}

const routedTo = (part: readonly DemoMessage[]) => part.filter((m) => m.truth.clientId === SCHEDULED).length;

describe('pipeline schedule: triggered runs of one client (real Kafka, real Temporal)', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await startScheduleHarness('schedule');
  });
  after(() => closeScheduleHarness(h));

  const cli = async (...args: string[]) =>
    (
      await promisify(execFile)(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../scripts/pipeline.ts'), ...args], {
        env: h.t.env,
      })
    ).stdout;

  it('processes what arrived since the previous run, exactly once, and stops the client between runs', async () => {
    const { config } = h.t;
    const topic = config.target.topic;
    const sql = (q: string) => querySql(config, q);
    const messages = generateDemo({ count: COUNT, clients: CLIENTS.length, seed: 41 });
    const expected = expectedTables(messages, CLIENTS);

    await produceMessages(h.kafka, topic, messages.slice(0, FIRST));
    const created = await scheduleClient(config, h.temporal, SCHEDULED, 3000);
    assert.equal(created.outcome, 'created');
    assert.equal((await scheduleClient(config, h.temporal, SCHEDULED, 4000)).outcome, 'updated');

    // Everything produced before the schedule existed is counted by the first run that found anything.
    const first = await waitFor('a run that found the first traffic', async () => (await completedRuns(h)).find((r) => r.records > 0), 180_000, 1000);
    assert.equal(first.records, routedTo(messages.slice(0, FIRST)));
    await recordHistory(h.temporal, first.workflowId, 'scheduled-run');
    const client = h.temporal.workflow.getHandle(clientWorkflowId(config.temporal.workflowIdPrefix, SCHEDULED));
    assert.equal((await client.query(statusQuery)).state, 'stopped', 'nothing streams between runs');

    await produceMessages(h.kafka, topic, messages.slice(FIRST));
    const runs = await waitFor(
      'runs that counted all traffic',
      async () => {
        const all = await completedRuns(h);
        return all.reduce((n, r) => n + r.records, 0) === routedTo(messages) ? all : null;
      },
      180_000,
      1000,
    );
    console.log(`records per run: ${runs.map((r) => r.records).join(', ')}`);
    assert.ok(runs.filter((r) => r.records > 0).length >= 2, `${runs.length} runs: the schedule fired again for the later traffic`);

    // Each run counts exactly the client's raw rows between where the previous run's cut was and its own.
    const raw = await sql(`SELECT "partition" AS p, "offset" AS o FROM kafka_raw_bronze WHERE client_id = '${SCHEDULED}'`);
    let previous: ScheduledRunSummary | null = null;
    for (const run of runs) {
      if (previous) {
        assert.deepEqual(run.offsets.from, previous.offsets.through, 'each run starts where the previous one cut');
        assert.ok(run.startedAt >= previous.finishedAt, 'runs of one schedule never overlap');
      }
      const between = raw.filter((r) => {
        const p = String(r.p);
        return BigInt(String(r.o)) >= BigInt(run.offsets.from[p] ?? '0') && BigInt(String(r.o)) < BigInt(run.offsets.through[p] ?? '0');
      }).length;
      assert.equal(run.records, between, `run from ${JSON.stringify(run.offsets.from)} to ${JSON.stringify(run.offsets.through)}`);
      assert.equal(run.records, run.dropped + run.silver, 'every record of a run reached silver or was dropped');
      assert.deepEqual([run.failedBatches, run.pending, run.paused], [[], 0, false]);
      previous = run;
    }
    assert.equal((await client.query(statusQuery)).state, 'stopped');

    // The scheduled client's tables are exact, and so are those of the client that streams.
    await drained(h, CLIENTS[1]!);
    await assertTablesExact(h, expected);

    // `schedule list` shows the schedule and its last result; `schedule delete` removes it.
    const listed = JSON.parse(await cli('schedule', 'list', '--json')) as ScheduleInfo[];
    assert.deepEqual(
      listed.map((s) => [s.clientId, s.every]),
      [[SCHEDULED, '4s']],
    );
    assert.ok(listed[0]?.lastRun, 'the last run is shown');
    const human = await cli('schedule', 'list');
    assert.match(human, new RegExp(`^${SCHEDULED} +4s +\\S+ +\\S+ +(\\d+ batches, \\d+ records, silver \\d+, dropped \\d+|running)`, 'm'));
    assert.match(await cli('schedule', 'delete', SCHEDULED), new RegExp(`^deleted ${scheduleId(config.temporal.workflowIdPrefix, SCHEDULED)}$`, 'm'));
    assert.deepEqual(JSON.parse(await cli('schedule', 'list', '--json')), []);
    await assert.rejects(deleteSchedule(config, h.temporal, SCHEDULED), /no schedule for client acme/);
  });
});

describe('pipeline schedule while another client streams (real Kafka, real Temporal)', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await startScheduleHarness('schedule-streaming');
  });
  after(() => closeScheduleHarness(h));

  it('waits for the continuous ingest instead of starting one, and the scheduled client still streams nothing', async () => {
    const { config } = h.t;
    const prefix = config.temporal.workflowIdPrefix;
    const messages = generateDemo({ count: COUNT, clients: CLIENTS.length, seed: 43 });
    const expected = expectedTables(messages, CLIENTS);
    await startPipeline(config, h.temporal, { clients: [CLIENTS[1]!] });
    await scheduleClient(config, h.temporal, SCHEDULED, 3000);
    // The first run finds no workflow of the client and starts one, stopped.
    await waitFor('a first run', async () => (await completedRuns(h)).length > 0, 120_000, 1000);
    const client = h.temporal.workflow.getHandle(clientWorkflowId(prefix, SCHEDULED));
    assert.equal((await client.query(statusQuery)).state, 'stopped');

    for (let i = 0; i < COUNT; i += 500) {
      await produceMessages(h.kafka, config.target.topic, messages.slice(i, i + 500));
      await new Promise((r) => setTimeout(r, 1500));
    }
    // Whatever the client processed outside a run would be missing from the runs' counts.
    const runs = await waitFor(
      'runs that counted all traffic',
      async () => {
        const all = await completedRuns(h);
        return all.reduce((n, r) => n + r.records, 0) === routedTo(messages) ? all : null;
      },
      180_000,
      1000,
    );
    console.log(`records per run: ${runs.map((r) => r.records).join(', ')}`);
    for (const run of runs) assert.equal(run.records, run.dropped + run.silver);
    assert.equal((await client.query(statusQuery)).state, 'stopped');
    // The runs waited for the continuous ingest, which still runs: they started no triggered one.
    const ingest = h.temporal.workflow.getHandle(ingestWorkflowId(prefix, config.target.topic));
    assert.equal((await ingest.describe()).status.name, 'RUNNING');
    assert.equal((await ingest.query(ingestStatusQuery)).mode, 'continuous');
    await drained(h, CLIENTS[1]!);
    await assertTablesExact(h, expected);
  });
});

describe('pipeline schedule with the client paused (real Kafka, real Temporal)', () => {
  let h: PipelineHarness;
  before(async () => {
    h = await startScheduleHarness('schedule-paused');
  });
  after(() => closeScheduleHarness(h));

  it('leaves the cut queued while the client is paused, and processes it in a run after resume', async () => {
    const { config } = h.t;
    const messages = generateDemo({ count: 600, clients: CLIENTS.length, seed: 47 });
    const expected = expectedTables(messages, CLIENTS);
    await produceMessages(h.kafka, config.target.topic, messages.slice(0, 300));
    await scheduleClient(config, h.temporal, SCHEDULED, 3000);
    await waitFor('a run that found the first traffic', async () => (await completedRuns(h)).find((r) => r.records > 0), 180_000, 1000);

    await pauseClient(config, h.temporal, SCHEDULED, 'test');
    await produceMessages(h.kafka, config.target.topic, messages.slice(300));
    const held = await waitFor('a run that found the client paused', async () => (await completedRuns(h)).find((r) => r.pending > 0), 180_000, 1000);
    assert.deepEqual([held.paused, held.records, held.batches], [true, 0, 0], 'a paused client processed nothing');
    const client = h.temporal.workflow.getHandle(clientWorkflowId(config.temporal.workflowIdPrefix, SCHEDULED));
    const status = await client.query(statusQuery);
    assert.deepEqual([status.state, status.queued > 0], ['stopped', true], 'stopped again, its batches still queued');

    await resumeClient(config, h.temporal, SCHEDULED);
    const runs = await waitFor(
      'a run after resume that processed the rest',
      async () => {
        const all = await completedRuns(h);
        return all.reduce((n, r) => n + r.records, 0) === routedTo(messages) ? all : null;
      },
      180_000,
      1000,
    );
    console.log(`records per run: ${runs.map((r) => (r.paused ? `${r.records} (paused, ${r.pending} left)` : r.records)).join(', ')}`);
    assert.equal((await client.query(statusQuery)).state, 'stopped');
    await drained(h, CLIENTS[1]!);
    await assertTablesExact(h, expected);
  });
});
