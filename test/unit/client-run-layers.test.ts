/**
 * A run's three layers share one activity, so its failure must still say which layer failed and
 * keep everything the retry policy and the failure record read: type, message, retryability.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import { inLayer } from '../../activities/client-run';
import { ErrorType } from '../../contract/errors';

async function failureOf(work: () => Promise<unknown>): Promise<unknown> {
  try {
    await work();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('a run through all layers in one activity', () => {
  it('passes a layer result through', async () => {
    assert.equal(await inLayer('silver', () => Promise.resolve(7)), 7);
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
});
