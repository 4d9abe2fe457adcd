/**
 * The ingest's files in `_ingest/<topic>/`: recovery past 100,000 done files, pruning to the
 * recent batches, refusing a stale attempt of a pruned batch, and damaged or foreign files
 * stopping with an error that names them. No services needed.
 */
import assert from 'node:assert/strict';
import { closeSync, openSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { ApplicationFailure } from '@temporalio/common';
import { lakeIdentity, lakeIdentityFile } from '../../adapters/lake/lake-identity';
import { ErrorType } from '../../contract/errors';
import { fileOnlyIngest, TOPIC } from './ingest-files.helpers';

const corrupt = (file: string) => (e: unknown) =>
  e instanceof ApplicationFailure && e.type === ErrorType.CorruptFile && e.nonRetryable && e.message.includes(file);

describe('ingest files: recovery and pruning', () => {
  const lake = fileOnlyIngest();
  after(() => lake.cleanup());
  const MANY = 150_000;
  const last = MANY - 1;

  it(`recovers the position from ${MANY.toLocaleString('en')} done files`, async () => {
    // Only the newest done file is ever read back, so the others can stay empty.
    for (let seq = 0; seq < last; seq += 1) closeSync(openSync(lake.layout.doneFile(TOPIC, seq), 'w'));
    lake.writeDone(last, { '0': String(MANY * 10) });
    const recovered = await lake.activities.recoverIngestPosition({ topic: TOPIC, lakeId: 'lake-1' });
    assert.deepEqual(recovered, { nextSeq: MANY, nextOffsets: { '0': String(MANY * 10) }, dispatchedSeq: last - 1 });
  });

  it('keeps only the recent batches once a batch is done, and recovers the same position after', async () => {
    // A retry answered from the done file prunes too; each call removes a bounded share.
    let left = readdirSync(lake.layout.ingestDir(TOPIC));
    for (let calls = 0; left.length > 2_000; calls += 1) {
      assert.ok(calls < 10, `still ${left.length} files after ${calls} batches`);
      const result = await lake.ingestBatch(last);
      assert.equal(result.kind === 'batch' && result.seq, last, 'answered from the done file');
      left = readdirSync(lake.layout.ingestDir(TOPIC));
    }
    assert.ok(left.includes(path.basename(lake.layout.doneFile(TOPIC, last))));
    assert.ok(!left.includes(path.basename(lake.layout.doneFile(TOPIC, 0))));
    const recovered = await lake.activities.recoverIngestPosition({ topic: TOPIC, lakeId: 'lake-1' });
    assert.deepEqual(recovered, { nextSeq: MANY, nextOffsets: { '0': String(MANY * 10) }, dispatchedSeq: last - 1 });
  });

  it('refuses to plan again a batch whose files were pruned (a stale attempt), without reading Kafka', async () => {
    await assert.rejects(
      lake.ingestBatch(5),
      (e: unknown) =>
        e instanceof ApplicationFailure && e.type === ErrorType.InvalidInput && e.nonRetryable && /#5 .*newest done batch/.test(e.message),
    );
  });
});

describe('ingest files: damaged or foreign files', () => {
  const lake = fileOnlyIngest();
  after(() => lake.cleanup());

  it('a done file that is not a done file stops recovery with the file named', async () => {
    lake.writeDone(0, { '0': '10' });
    writeFileSync(lake.layout.doneFile(TOPIC, 1), JSON.stringify({ hello: 'world' }));
    await assert.rejects(lake.activities.recoverIngestPosition({ topic: TOPIC }), corrupt(lake.layout.doneFile(TOPIC, 1)));
  });

  it('a done file that is not JSON stops a retry with the file named', async () => {
    writeFileSync(lake.layout.doneFile(TOPIC, 1), '{"topic": "events", "se');
    await assert.rejects(lake.ingestBatch(1), corrupt(lake.layout.doneFile(TOPIC, 1)));
  });

  it('a plan file without ranges, or of another batch, stops the batch before Kafka is read', async () => {
    writeFileSync(
      lake.layout.planFile(TOPIC, 2),
      JSON.stringify({ topic: TOPIC, seq: 2, batchId: 'events.000000002', nextOffsets: {}, plannedAt: '2026-11-20T10:00:00Z' }),
    );
    await assert.rejects(lake.ingestBatch(2, { '0': '10' }), corrupt(lake.layout.planFile(TOPIC, 2)));
    lake.writeDone(2, { '0': '30' });
    writeFileSync(
      lake.layout.planFile(TOPIC, 3),
      JSON.stringify({ topic: TOPIC, seq: 2, batchId: 'events.000000002', ranges: [], nextOffsets: {}, plannedAt: '2026-11-20T10:00:00Z' }),
    );
    await assert.rejects(lake.ingestBatch(3, { '0': '30' }), corrupt(lake.layout.planFile(TOPIC, 3)));
  });

  it('a lake identity file that is not one is refused with the file named', async () => {
    const dir = lake.layout.dir;
    writeFileSync(lakeIdentityFile(dir), JSON.stringify({ id: 5 }));
    await assert.rejects(lakeIdentity(dir), corrupt(lakeIdentityFile(dir)));
    writeFileSync(lakeIdentityFile(dir), 'not json');
    await assert.rejects(lakeIdentity(dir), corrupt(lakeIdentityFile(dir)));
  });
});
