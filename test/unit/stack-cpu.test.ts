/** The benchmark's reading of a service's CPU time from /proc/<pid>/stat. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { cpuSecondsOfStat } from '../../scripts/bench/stack-cpu';

describe('cpuSecondsOfStat', () => {
  it('adds user and system time, counting fields after the command even when it holds spaces and parentheses', () => {
    const rest = 'S 1 2 3 0 -1 4194560 100 0 0 0 1234 567 0 0 20 0 40 0 1000 2000000 3000 18446744073709551615';
    assert.equal(cpuSecondsOfStat(`4242 (temporal) ${rest}`), 18.01);
    assert.equal(cpuSecondsOfStat(`4242 (a (b) c) ${rest}`), 18.01);
  });

  it('answers null for text that is no stat line', () => {
    assert.equal(cpuSecondsOfStat(''), null);
    assert.equal(cpuSecondsOfStat('4242 (temporal) S 1 2'), null);
  });

  it('reads this process: a number of seconds, no more than it has run', () => {
    const seconds = cpuSecondsOfStat(readFileSync('/proc/self/stat', 'utf8'));
    assert.ok(seconds !== null && seconds >= 0 && seconds <= process.uptime() * 64, String(seconds));
  });
});
