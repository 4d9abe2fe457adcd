/** The benchmark's reading of this process's CPU time by kind of thread. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cpuByThreadGroup, threadCpuSince, threadGroup, THREAD_GROUPS } from '../../scripts/bench/thread-cpu';

describe('threadGroup', () => {
  it('tells the JavaScript thread by being the main one, whatever its name', () => {
    assert.equal(threadGroup('node', true), 'javascript');
    assert.equal(threadGroup('tsx', true), 'javascript');
  });

  it('sorts the other threads by the names Node, the Temporal core, libuv and V8 give them', () => {
    assert.equal(threadGroup('node', false), 'otherNode');
    assert.equal(threadGroup('tokio-runtime-w', false), 'temporalCore');
    assert.equal(threadGroup('workflow-proces', false), 'temporalCore');
    assert.equal(threadGroup('libuv-worker', false), 'libuvPool');
    assert.equal(threadGroup('V8 DefaultWorke', false), 'v8');
    assert.equal(threadGroup('duckdb (x)', false), 'other');
  });
});

describe('cpuByThreadGroup', () => {
  it('reads this process: every group, the JavaScript thread busy after a busy loop', () => {
    const before = cpuByThreadGroup();
    assert.ok(before, 'no /proc/self/task');
    const until = performance.now() + 60;
    while (performance.now() < until) Math.sqrt(Math.random());
    const after = cpuByThreadGroup();
    assert.ok(after);
    const spent = threadCpuSince(before, after);
    assert.deepEqual(Object.keys(spent).sort(), [...THREAD_GROUPS].sort());
    assert.ok(spent.javascript > 0, JSON.stringify(spent));
    assert.ok(Object.values(spent).every((s) => s >= 0));
  });
});
