import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ClientQueueLoad } from '../../activities/client-load';

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

describe('how busy the clients queue is', () => {
  it('is full while every slot runs an activity', async () => {
    const { load } = loadAt(2);
    const a = pending();
    const b = pending();
    const ra = load.track(() => a.done);
    assert.equal(load.busy(0), false);
    const rb = load.track(() => b.done);
    assert.equal(load.inFlight, 2);
    assert.equal(load.busy(0), true);
    a.end();
    await ra;
    b.end();
    await rb;
    assert.equal(load.inFlight, 0);
  });

  it('counts a slot freed within the last moment as still taken, and not after', async () => {
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
