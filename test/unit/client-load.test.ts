import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BUSY_SLOT_SHARE, ClientQueueLoad } from '../../activities/client-load';

/** A load on a clock the test moves. */
function loadAt(slots: number) {
  const clock = { now: 0 };
  return { clock, load: new ClientQueueLoad(slots, () => clock.now) };
}

/** A piece of work the test ends when it likes. */
function pending() {
  let end!: () => void;
  const done = new Promise<void>((r) => (end = r));
  return { done, end };
}

/** Starts `count` activities that run until the test ends them. */
function runMany(load: ClientQueueLoad, count: number) {
  const works = Array.from({ length: count }, () => pending());
  const runs = works.map((w) => load.track(() => w.done));
  return {
    async endOne() {
      works.pop()!.end();
      await runs.pop();
    },
  };
}

describe('how busy the clients queue is', () => {
  it('is busy from a share of the slots on, so a few slow clients never are', async () => {
    const { clock, load } = loadAt(32);
    assert.equal(load.busyFrom, Math.ceil(32 * BUSY_SLOT_SHARE));
    const runs = runMany(load, load.busyFrom - 1);
    assert.equal(load.busy(0), false);
    const more = runMany(load, 1);
    assert.equal(load.inFlight, load.busyFrom);
    assert.equal(load.busy(0), true);
    await more.endOne();
    clock.now = 1;
    assert.equal(load.busy(0), false);
    for (let i = 1; i < load.busyFrom; i += 1) await runs.endOne();
    assert.equal(load.inFlight, 0);
  });

  it('stays busy for a moment after the runs drop below it, and not after', async () => {
    const { clock, load } = loadAt(1);
    const a = pending();
    const ra = load.track(() => a.done);
    clock.now = 1_000;
    a.end();
    await ra;
    clock.now = 1_250;
    assert.equal(load.busy(250), true);
    clock.now = 1_251;
    assert.equal(load.busy(250), false);
  });

  it('frees the slot of an activity that fails', async () => {
    const { load } = loadAt(1);
    await assert.rejects(
      load.track(() => Promise.reject(new Error('run failed'))),
      /run failed/,
    );
    assert.equal(load.inFlight, 0);
  });
});
