import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mapBounded } from '../../domain/concurrency';

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('mapBounded', () => {
  it('keeps input order and never runs more than the limit at once', async () => {
    let running = 0;
    let peak = 0;
    const out = await mapBounded([5, 1, 4, 2, 3, 0, 6], 3, async (n, i) => {
      running += 1;
      peak = Math.max(peak, running);
      for (let k = 0; k < n; k++) await tick();
      running -= 1;
      return `${i}:${n}`;
    });
    assert.deepEqual(out, ['0:5', '1:1', '2:4', '3:2', '4:3', '5:0', '6:6']);
    assert.equal(peak, 3);
  });

  it('uses the whole limit when there is work for it', async () => {
    let peak = 0;
    let running = 0;
    await mapBounded(
      Array.from({ length: 40 }, (_, i) => i),
      16,
      async () => {
        running += 1;
        peak = Math.max(peak, running);
        await tick();
        running -= 1;
      },
    );
    assert.equal(peak, 16);
  });

  it('handles an empty list and a limit above the item count', async () => {
    assert.deepEqual(await mapBounded([], 4, () => Promise.resolve(1)), []);
    assert.deepEqual(await mapBounded([1, 2], 10, (n) => Promise.resolve(n * 2)), [2, 4]);
  });

  it('starts nothing after a failure, waits for the running items, then throws the first error', async () => {
    const started: number[] = [];
    const finished: number[] = [];
    await assert.rejects(
      mapBounded([0, 1, 2, 3, 4, 5, 6, 7], 2, async (n) => {
        started.push(n);
        await tick();
        if (n === 2) throw new Error('boom 2');
        if (n === 3) {
          await tick();
          await tick();
          finished.push(n);
          throw new Error('later 3');
        }
        finished.push(n);
      }),
      /boom 2/,
    );
    assert.deepEqual(started, [0, 1, 2, 3]);
    assert.ok(finished.includes(3), 'the item running when the failure came was awaited');
  });

  it('stops starting items once the signal is aborted', async () => {
    const controller = new AbortController();
    const started: number[] = [];
    await assert.rejects(
      mapBounded(
        [0, 1, 2, 3, 4, 5],
        2,
        async (n) => {
          started.push(n);
          if (n === 1) controller.abort(new Error('cancelled'));
          await tick();
        },
        { signal: controller.signal },
      ),
      /cancelled/,
    );
    assert.deepEqual(started, [0, 1]);
  });

  it('rejects a limit that is not a positive integer', async () => {
    await assert.rejects(
      mapBounded([1], 0, () => Promise.resolve(1)),
      RangeError,
    );
    await assert.rejects(
      mapBounded([1], 1.5, () => Promise.resolve(1)),
      RangeError,
    );
  });
});
