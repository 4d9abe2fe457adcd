/**
 * Determinism: saved histories (test/fixtures/histories/*.history.bin, recorded by the workflow and end-to-end
 * tests with RECORD_HISTORIES=1) must replay with the current workflow code. A change that would
 * break running workflows fails here; it needs `patched()` or a new workflow type instead.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { temporal as proto } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { HISTORY_FIXTURES } from '../helpers';

describe('saved workflow histories replay with the current code', () => {
  const files = readdirSync(HISTORY_FIXTURES)
    .filter((f) => f.endsWith('.history.bin'))
    .sort();
  it('has fixtures of both workflow types', () => {
    assert.ok(
      files.some((f) => f.startsWith('ingest')),
      files.join(', '),
    );
    assert.ok(
      files.some((f) => f.startsWith('client-pipeline')),
      files.join(', '),
    );
  });
  for (const file of files) {
    it(file, async () => {
      const history = proto.api.history.v1.History.decode(readFileSync(path.join(HISTORY_FIXTURES, file)));
      await Worker.runReplayHistory({ workflowsPath: require.resolve('../../workflows') }, history, path.basename(file, '.history.bin'));
    });
  }
});
