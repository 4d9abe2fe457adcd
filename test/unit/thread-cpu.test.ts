/** The benchmark's reading of this process's CPU time by kind of thread. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuByThreadGroup, threadCpuSince, threadGroup, THREAD_GROUPS } from '../../scripts/bench/thread-cpu';

describe('threadGroup', () => {
  it('tells the JavaScript thread by being the main one, whatever its name', () => {
    assert.equal(threadGroup('node', true), 'javascript');
    assert.equal(threadGroup('tsx', true), 'javascript');
  });

  it('tells the Temporal core by the names its threads give themselves; the rest are other', () => {
    assert.equal(threadGroup('tokio-runtime-w', false), 'temporalCore');
    assert.equal(threadGroup('workflow-proces', false), 'temporalCore');
    assert.equal(threadGroup('node', false), 'other');
    assert.equal(threadGroup('libuv-worker', false), 'other');
  });
});

describe('cpuByThreadGroup', () => {
  it('reads this process: every group, the JavaScript thread busy after a busy loop', () => {
    const before = cpuByThreadGroup();
    assert.ok(before, 'no /proc/self/task');
    // Busy until this process has used 60 ms of CPU more (several clock ticks), however loaded the machine.
    const start = process.cpuUsage();
    while (process.cpuUsage(start).user < 60_000) Math.sqrt(Math.random());
    const after = cpuByThreadGroup();
    assert.ok(after);
    const spent = threadCpuSince(before, after);
    assert.deepEqual(Object.keys(spent).sort(), [...THREAD_GROUPS].sort());
    assert.ok(spent.javascript > 0, JSON.stringify(spent));
    assert.ok(Object.values(spent).every((s) => s >= 0));
  });
});
