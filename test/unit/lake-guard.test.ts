import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { assertSameLake } from '../../activities/guards';
import { lakeIdentity } from '../../adapters/lake/lake-identity';

describe('lake identity', () => {
  it('is created once and then stable', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'lake-id-'));
    const [a, b] = await Promise.all([lakeIdentity(dir), lakeIdentity(dir)]);
    assert.equal(a, b, 'racing callers agree');
    assert.equal(await lakeIdentity(dir), a);
    assert.notEqual(await lakeIdentity(mkdtempSync(path.join(os.tmpdir(), 'lake-id-'))), a);
  });
  it("keeps a worker from writing another workflow's lake, retryably", () => {
    assert.doesNotThrow(() => assertSameLake('x', { lakeId: 'x', lakeDir: '/l' }));
    assert.doesNotThrow(() => assertSameLake(undefined, { lakeId: 'x', lakeDir: '/l' }), 'workflows started before lake ids pass');
    assert.throws(
      () => assertSameLake('y', { lakeId: 'x', lakeDir: '/l' }),
      (e: unknown) =>
        e instanceof ApplicationFailure && e.type === 'WrongLake' && !e.nonRetryable && /another lake polls this task queue/.test(e.message),
    );
  });
});
