/**
 * `npm start` stops cleanly however it is told to: Ctrl-C in a terminal (SIGINT to every process
 * of the foreground group) and SIGTERM to npm alone (a process manager, `timeout`). Stopping
 * cleanly means the worker shuts down and the services it started are stopped, which the command
 * reports last with `stopped.`. Ctrl-C reaches the command twice, from the terminal and passed on
 * by npm, and the copy must not kill it mid-stop. npm passes SIGTERM only to the shell it runs the
 * script in, and the tsx command would relay a signal to a child process of its own and kill that
 * child when it is slow to take it (a busy event loop), so the script `exec`s node with tsx as a
 * loader.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { connectClient } from '../../adapters/temporal/client';
import { isolatedEnv, requireServices, terminateWorkflows, waitFor } from '../../scripts/sandbox';
import type { IsolatedEnv } from '../../scripts/sandbox';

const ROOT = path.resolve(__dirname, '..', '..');

/** Whether any process of the group still runs. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs `npm start` in a process group of its own, sends `stop` once it runs, and returns its output once every process of it has exited. */
async function startAndStop(t: IsolatedEnv, stop: (npmPid: number) => void): Promise<string> {
  const npm = spawn('npm', ['start'], { cwd: ROOT, env: t.env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const pgid = npm.pid!;
  let out = '';
  npm.stdout.on('data', (c: Buffer) => (out += c.toString()));
  npm.stderr.on('data', (c: Buffer) => (out += c.toString()));
  try {
    await waitFor('npm start to run its workflows', () => Promise.resolve(out.includes('workflows running')), 120_000, 200);
    stop(pgid);
    await waitFor('every process of npm start to exit', () => Promise.resolve(!groupAlive(pgid)), 60_000, 200);
    return out;
  } finally {
    if (groupAlive(pgid)) process.kill(-pgid, 'SIGKILL');
  }
}

describe('npm start, stopped', () => {
  let t: IsolatedEnv;
  let temporal: Client;
  before(async () => {
    t = isolatedEnv('npm-start');
    await requireServices(t.config);
    temporal = await connectClient(t.config);
  });
  after(async () => {
    await terminateWorkflows(temporal, t.config.temporal.workflowIdPrefix);
    await temporal.connection.close();
    t.cleanupLake();
  });

  it('by SIGTERM to npm alone, shuts down cleanly', async () => {
    const out = await startAndStop(t, (npmPid) => process.kill(npmPid, 'SIGTERM'));
    assert.match(out, /stopping\.\.\.[\s\S]*\nstopped\. /, `no clean stop in the output:\n${out.slice(-1500)}`);
  });

  it('by Ctrl-C (SIGINT to the whole group, and once more from npm), shuts down cleanly', async () => {
    // npm passes the SIGINT on to the script a moment after the group got it; a late copy is
    // sent here as well, so the test does not rest on how close together the two arrive.
    const out = await startAndStop(t, (pgid) => {
      process.kill(-pgid, 'SIGINT');
      setTimeout(() => groupAlive(pgid) && process.kill(-pgid, 'SIGINT'), 300);
    });
    assert.match(out, /stopping\.\.\.[\s\S]*\nstopped\. /, `no clean stop in the output:\n${out.slice(-1500)}`);
  });
});
