/**
 * A run's three layers share one activity, so its failure must still say which layer failed and
 * keep everything the retry policy and the failure record read: type, message, retryability.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { ActivityFailure, RetryState, TimeoutFailure, TimeoutType } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { inLayer } from '../../activities/client-run';
import { ErrorType } from '../../contract/errors';
import { failedLayer } from '../../workflows/client-alerts';

/** The failure `work` ends with, run as an activity (inLayer asks the activity whether it was cancelled). */
async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await new MockActivityEnvironment().run(work);
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('a run through all layers in one activity', () => {
  it('passes a layer result through', async () => {
    assert.equal(await new MockActivityEnvironment().run(() => inLayer('silver', () => Promise.resolve(7))), 7);
  });

  it('names the layer of a plain error, keeping its name as the type, retryable', async () => {
    const err = await failureOf(() => inLayer('bronze', () => Promise.reject(new RangeError('disk full'))));
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, 'RangeError');
    assert.equal(err.message, 'disk full');
    assert.equal(err.nonRetryable, false);
    assert.deepEqual(err.details, [{ layer: 'bronze' }]);
  });

  it('keeps an application failure as it was, its first detail gaining the layer', async () => {
    const original = ApplicationFailure.create({
      message: '3 of 12 records broke a fail rule',
      type: ErrorType.DataQualityFailure,
      nonRetryable: true,
      details: [{ clientId: 'acme', records: 3 }, 'more'],
    });
    const err = await failureOf(() => inLayer('silver', () => Promise.reject(original)));
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.type, ErrorType.DataQualityFailure);
    assert.equal(err.message, original.message);
    assert.equal(err.nonRetryable, true);
    assert.deepEqual(err.details, [{ clientId: 'acme', records: 3, layer: 'silver' }, 'more']);
  });

  it('puts the layer before a first detail that is no object', async () => {
    const original = ApplicationFailure.create({ message: 'x', type: 'T', details: ['first', 2] });
    const err = await failureOf(() => inLayer('bronze', () => Promise.reject(original)));
    assert.ok(err instanceof ApplicationFailure);
    assert.deepEqual(err.details, [{ layer: 'bronze' }, 'first', 2]);
  });

  it('keeps the retry delay a failure asks for', async () => {
    const original = ApplicationFailure.create({ message: 'wrong lake', type: ErrorType.WrongLake, nextRetryDelay: 20 });
    const err = await failureOf(() => inLayer('gold', () => Promise.reject(original)));
    assert.ok(err instanceof ApplicationFailure);
    assert.equal(err.nextRetryDelay, 20);
    assert.deepEqual(err.details, [{ layer: 'gold' }]);
  });

  it('lets a cancellation through untouched', async () => {
    const cancelled = new CancelledFailure('cancelled');
    assert.equal(await failureOf(() => inLayer('gold', () => Promise.reject(cancelled))), cancelled);
  });

  it('tells the layer a run failed in, from its details, its last heartbeat when it timed out, or its type', () => {
    const failed = (activityType: string, cause: Error) =>
      new ActivityFailure('activity failed', activityType, '1', RetryState.MAXIMUM_ATTEMPTS_REACHED, 'w', cause);
    const named = ApplicationFailure.create({ message: 'x', details: [{ layer: 'silver' }] });
    assert.equal(failedLayer(failed('runClientBatches', named)), 'silver');
    const timedOut = new TimeoutFailure('timed out', { layer: 'gold', batch: 'b', done: 0, of: 1 }, TimeoutType.HEARTBEAT);
    assert.equal(failedLayer(failed('runClientBatches', timedOut)), 'gold');
    const silent = new TimeoutFailure('timed out', undefined, TimeoutType.START_TO_CLOSE);
    assert.equal(failedLayer(failed('runClientBatches', silent)), 'bronze, silver or gold');
    assert.equal(failedLayer(failed('goldBatches', ApplicationFailure.create({ message: 'x' }))), 'gold');
    assert.equal(failedLayer(new Error('not an activity')), 'batch');
  });
});
