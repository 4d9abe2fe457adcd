/** The benchmark's reading of whether the worker's memory grows over a steady run. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rssOverTime } from '../../scripts/bench/rss-over-time';
import type { RssSample } from '../../scripts/bench/rss';

const MiB = 2 ** 20;

/** One sample every 250 ms over 100 s, at `level(ms)` MiB. */
function run(level: (ms: number) => number): RssSample[] {
  return Array.from({ length: 401 }, (_, i) => ({ atMs: i * 250, bytes: level(i * 250) * MiB }));
}

describe('rssOverTime', () => {
  it('does not count a spike of a few seconds, such as a compaction at the end of the run, as growth', () => {
    const samples = run((ms) => (ms > 97_000 ? 1100 : 700));
    const m = rssOverTime(samples, 0, 100_000);
    assert.equal(m.at20PctMiB, 700);
    assert.equal(m.endMiB, 700);
    assert.equal(m.growthPct, 0);
    assert.equal(m.peakMiB, 1100);
  });

  it('counts a rise that stays', () => {
    const samples = run((ms) => (ms > 60_000 ? 1050 : 700));
    const m = rssOverTime(samples, 0, 100_000);
    assert.equal(m.endMiB, 1050);
    assert.equal(m.growthPct, 50);
    assert.deepEqual(m.everyTenthMiB, [700, 700, 700, 700, 700, 700, 1050, 1050, 1050, 1050]);
  });
});
