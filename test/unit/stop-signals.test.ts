/**
 * Ctrl-C reaches a command twice (from the terminal and passed on by npm or npx): the copy must
 * neither end the clean stop nor start a second one, and an operator asking again later stops at once.
 */
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { onStopSignals, REPEAT_WINDOW_MS } from '../../scripts/stop-signals';

describe('onStopSignals', () => {
  let before: Record<'SIGINT' | 'SIGTERM', NodeJS.SignalsListener[]>;
  let clock = 0;
  let calls: string[] = [];
  beforeEach(() => {
    before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
    clock = 0;
    calls = [];
    onStopSignals({ stop: () => calls.push('stop'), force: () => calls.push('force') }, () => clock);
  });
  afterEach(() => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(signal)) {
        if (!before[signal].includes(listener)) process.off(signal, listener);
      }
    }
  });

  it('starts the clean stop on the first signal and keeps listening, so a copy cannot kill the process', () => {
    process.emit('SIGINT');
    assert.deepEqual(calls, ['stop']);
    assert.equal(process.listenerCount('SIGINT'), before.SIGINT.length + 1);
    assert.equal(process.listenerCount('SIGTERM'), before.SIGTERM.length + 1);
  });

  it('takes a copy within the repeat window as the same request', () => {
    process.emit('SIGINT');
    clock += 5;
    process.emit('SIGINT');
    clock += REPEAT_WINDOW_MS - 5;
    process.emit('SIGTERM');
    assert.deepEqual(calls, ['stop']);
  });

  it('stops at once on a signal after the window', () => {
    process.emit('SIGTERM');
    clock += REPEAT_WINDOW_MS + 1;
    process.emit('SIGINT');
    assert.deepEqual(calls, ['stop', 'force']);
  });
});
