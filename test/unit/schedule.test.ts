/**
 * `pipeline schedule` without services: interval parsing on both sides of its bounds, the command
 * line's refusals (one line, exit code 2), the client queue's view of a cut, and a run's counts.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runCounts } from '../../activities/scheduled-run';
import type { ClientStatus } from '../../contract/types';
import { formatInterval, parseInterval } from '../../domain/interval';
import { runCli } from '../../scripts/cli';
import { buildProgram } from '../../scripts/program';
import { ClientPipelineState } from '../../workflows/client-state';

async function pipeline(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(buildProgram({ out: (t) => (stdout += t), err: (t) => (stderr += t) }), args);
  return { code, stdout, stderr: stderr.trim() };
}

describe('schedule intervals', () => {
  it('reads a whole number and a unit, from 2 s to 366 days', () => {
    assert.equal(parseInterval('2s'), 2_000);
    assert.equal(parseInterval('30s'), 30_000);
    assert.equal(parseInterval('15m'), 900_000);
    assert.equal(parseInterval('1h'), 3_600_000);
    assert.equal(parseInterval('366d'), 366 * 86_400_000);
    assert.throws(() => parseInterval('1s'), /interval 1s is too short: at least 2s/);
    assert.throws(() => parseInterval('0h'), /too short/);
    assert.throws(() => parseInterval('367d'), /interval 367d is too long: at most 366d/);
    for (const bad of ['', 'h', '1', '1.5h', '-1h', '1 h', '1w', '1H', '1h30m', '10000000000s']) {
      assert.throws(() => parseInterval(bad), /expected a whole number and a unit \(s, m, h or d\)/, bad);
    }
  });

  it('prints an interval in the largest unit that divides it', () => {
    assert.deepEqual([3_600_000, 90_000, 86_400_000, 4_000, 2 * 3_600_000 + 60_000, 1_500].map(formatInterval), [
      '1h',
      '90s',
      '1d',
      '4s',
      '121m',
      '1500ms',
    ]);
  });
});

describe('pipeline schedule command line', () => {
  it('has --help for schedule, schedule list and schedule delete', async () => {
    assert.match((await pipeline('--help')).stdout, /^ {2}schedule /m);
    for (const args of [['schedule'], ['schedule', 'list'], ['schedule', 'delete']]) {
      const help = await pipeline(...args, '--help');
      assert.equal(help.code, 0, args.join(' '));
      assert.match(help.stdout, new RegExp(`^Usage: pipeline ${args.join(' ')}\\b`));
    }
  });

  it('refuses bad intervals and client ids with one line and exit code 2, before connecting anywhere', async () => {
    const cases: [string[], RegExp][] = [
      [['schedule', 'acme', '--every', '1x'], /invalid interval "1x": expected a whole number and a unit/],
      [['schedule', 'acme', '--every', '1s'], /interval 1s is too short: at least 2s/],
      [['schedule', 'acme', '--every', '400d'], /interval 400d is too long/],
      [['schedule', 'acme', '--every'], /option '--every <interval>' argument missing/],
      [['schedule', 'acme'], /say how often with --every, e\.g\. --every 1h/],
      [['schedule', '--every', '1h'], /name a client: pipeline schedule ID --every 1h/],
      [['schedule', 'no such/client', '--every', '1h'], /invalid client id "no such\/client"/],
      [['schedule', '-acme', '--every', '1h'], /unknown option '-acme'/],
      [['schedule', 'delete'], /missing required argument 'id'/],
      [['schedule', 'delete', '../acme'], /invalid client id "\.\.\/acme"/],
      [['schedule', 'delete', 'acme', 'globex'], /too many arguments/],
    ];
    for (const [args, reason] of cases) {
      const r = await pipeline(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, reason, args.join(' '));
    }
  });
});

describe("a client's queue against a scheduled run's cut", () => {
  const batch = (seq: number, topic = 't') => ({ topic, seq, batchId: `${topic}.${seq}`, records: 10 });

  it('counts queued batches of the topic at or before the cut, and whether one is in progress', () => {
    const client = new ClientPipelineState('acme');
    for (const b of [batch(3), batch(4), batch(6), batch(5, 'other')]) client.enqueue(b);
    assert.deepEqual(client.pendingThrough({ topic: 't', seq: 4 }), { batches: 2, inFlight: false, inFlightBatches: 0 });
    assert.deepEqual(client.pendingThrough({ topic: 't', seq: 2 }), { batches: 0, inFlight: false, inFlightBatches: 0 });
    client.next();
    assert.deepEqual(client.pendingThrough({ topic: 't', seq: 3 }), { batches: 1, inFlight: true, inFlightBatches: 1 });
    client.recordSuccess(batch(3), { records: 10, passed: 10, dropped: 0, warned: 0 }, { records: 10, passed: 10, dropped: 0, warned: 0 }, 'now');
    assert.deepEqual(client.pendingThrough({ topic: 't', seq: 5 }), { batches: 1, inFlight: false, inFlightBatches: 0 });
    assert.deepEqual(client.pendingThrough({ topic: 't', seq: 6 }), { batches: 2, inFlight: false, inFlightBatches: 0 });
  });
});

describe("a scheduled run's counts", () => {
  it("are the change of the client's counters, with the batches that failed during the run", () => {
    const totals = { batches: 4, records: 100, bronze: 90, silver: 80, dropped: 20, warned: 1 };
    const after = {
      totals: { batches: 6, records: 150, bronze: 130, silver: 115, dropped: 35, warned: 1 },
      failedBatches: ['t.1', 't.7'],
      paused: false,
    } as ClientStatus;
    assert.deepEqual(runCounts({ totals, failedBatches: ['t.1'] }, after, 0), {
      batches: 2,
      records: 50,
      bronze: 40,
      silver: 35,
      dropped: 15,
      warned: 0,
      failedBatches: ['t.7'],
      pending: 0,
      paused: false,
    });
  });
});
