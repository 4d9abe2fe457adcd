/**
 * The heartbeat wrapper every long activity runs its work in: heartbeats while the work runs,
 * cancellation reaches the work, and an attempt that was cancelled publishes nothing afterwards.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { DuckDBInstance } from '@duckdb/node-api';
import { openDuckDB, stageRows, withConnection, writeParquet, writeParquetOrRemove } from '../../adapters/lake/duck';
import { readJsonIfExists, writeJsonAtomically } from '../../adapters/lake/files';
import { whileHeartbeating } from '../../activities/heartbeat';

function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

/** Room enough that no test meets the attempt's own deadline unless it means to. */
const ROOMY = { startToCloseTimeoutMs: 600_000 };

const aborted = (signal: AbortSignal) => new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true }));

describe('whileHeartbeating', () => {
  let db: DuckDBInstance;
  before(async () => {
    db = await openDuckDB({ threads: 1 });
  });
  after(() => db.closeSync());

  it('sends heartbeats, with the details the work reports, while the work runs', async () => {
    const env = new MockActivityEnvironment(ROOMY);
    const seen: unknown[] = [];
    const progressSent = deferred();
    env.on('heartbeat', (details: unknown) => {
      seen.push(details);
      if ((details as { step?: string } | undefined)?.step === 'reading') progressSent.resolve();
    });
    const result = await env.run(() =>
      whileHeartbeating(
        async (beat) => {
          beat({ step: 'reading' });
          await progressSent.promise; // resolves only once a heartbeat carried the details
          return 'done';
        },
        { everyMs: 5 },
      ),
    );
    assert.equal(result, 'done');
    assert.equal(seen[0], undefined, 'a first heartbeat goes out at once');
    assert.ok(seen.some((d) => (d as { step?: string } | undefined)?.step === 'reading'));
  });

  it('passes cancellation to the work and rejects with a cancellation', async () => {
    const env = new MockActivityEnvironment(ROOMY);
    const started = deferred<AbortSignal>();
    const attempt = env.run(() =>
      whileHeartbeating(async (_beat, cancelled) => {
        started.resolve(cancelled);
        await aborted(cancelled);
        cancelled.throwIfAborted();
      }),
    );
    const signal = await started.promise;
    assert.equal(signal.aborted, false);
    env.cancel();
    await assert.rejects(attempt, CancelledFailure);
    assert.equal(signal.aborted, true);
  });

  it('fences a cancelled attempt: nothing it writes afterwards is published, no temp file is left', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fence-'));
    const kept = path.join(dir, 'kept.parquet'); // a newer attempt's file, which the stale one would replace
    const removable = path.join(dir, 'removable.parquet'); // one the stale attempt would remove
    const fresh = path.join(dir, 'fresh.parquet'); // one the stale attempt would create
    const json = path.join(dir, 'done.json');
    await withConnection(db, async (conn) => {
      await writeParquet(conn, `SELECT 'newer' AS v`, kept);
      await writeParquet(conn, `SELECT 'newer' AS v`, removable);
    });
    await writeJsonAtomically(json, { by: 'newer' });

    const env = new MockActivityEnvironment(ROOMY);
    const waiting = deferred();
    const workOutcome = deferred<string[]>();
    const attempt = env.run(() =>
      whileHeartbeating(async (_beat, cancelled) =>
        // A work that notices cancellation late: it goes on to publish after the attempt was
        // cancelled, on the connection it opened before.
        withConnection(db, async (conn) => {
          waiting.resolve();
          await aborted(cancelled);
          const outcome: string[] = [];
          const tryTo = async (what: string, publish: () => Promise<unknown>) => {
            try {
              await publish();
              outcome.push(`${what}: published`);
            } catch (e) {
              outcome.push(`${what}: ${(e as Error).name}`);
            }
          };
          await tryTo('replace', () => writeParquet(conn, `SELECT 'stale' AS v`, kept));
          await tryTo('create', () => writeParquet(conn, `SELECT 'stale' AS v`, fresh));
          await tryTo('remove', async () => {
            return writeParquetOrRemove(conn, await stageRows(conn, 'nothing', [['v', 'VARCHAR']], []), removable);
          });
          await tryTo('json', () => writeJsonAtomically(json, { by: 'stale' }));
          workOutcome.resolve(outcome);
        }),
      ),
    );
    await waiting.promise;
    env.cancel();
    await assert.rejects(attempt, CancelledFailure);
    const outcome = await workOutcome.promise; // the work has run to its end: every publish was tried
    assert.ok(
      outcome.every((o) => !o.endsWith('published')),
      `publishes after cancellation: ${outcome.join(', ')}`,
    );
    assert.ok(outcome.includes('json: CancelledFailure'), outcome.join(', ')); // refused by the fence itself, not by an interrupted query

    const read = async (file: string) =>
      withConnection(db, async (conn) => (await conn.runAndReadAll(`SELECT v FROM read_parquet('${file}')`)).getRowObjectsJS()[0]?.v);
    assert.equal(await read(kept), 'newer');
    assert.equal(await read(removable), 'newer');
    assert.deepEqual(await readJsonIfExists(json), { by: 'newer' });
    assert.deepEqual((await fs.readdir(dir)).sort(), ['done.json', 'kept.parquet', 'removable.parquet'], 'no temp file and no new file is left');
  });

  it('fences an attempt that is out of its start-to-close time by its own clock', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'fence-deadline-'));
    const file = path.join(dir, 'slice.parquet');
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 100 });
    const attempt = env.run(() =>
      whileHeartbeating((_beat, fence) =>
        withConnection(db, async (conn) => {
          await aborted(fence); // nobody cancels it: the deadline closes the fence
          await writeParquet(conn, `SELECT 'late' AS v`, file);
        }),
      ),
    );
    await assert.rejects(attempt, /start-to-close/);
    assert.deepEqual(await fs.readdir(dir), []);
  });

  it("counts the start-to-close time from the attempt's first wrapped step, not from each step", async () => {
    // An activity of several steps (a client run's bronze, silver and gold) wraps each one: the
    // second must not get the whole budget again, or it could publish after the server gave up.
    const env = new MockActivityEnvironment({ startToCloseTimeoutMs: 1_000 });
    const attempt = env.run(async () => {
      await whileHeartbeating(() => new Promise((r) => setTimeout(r, 700)));
      return whileHeartbeating(async (_beat, fence) => {
        await new Promise((r) => setTimeout(r, 600));
        return fence.aborted;
      });
    });
    assert.equal(await attempt, true, "the second step's fence went down within the first step's budget");
  });
});
