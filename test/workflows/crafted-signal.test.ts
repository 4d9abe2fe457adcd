/**
 * A crafted `batchReady` signal, sent with the Temporal client to a running clientPipeline on the
 * real stack, with traversal in its topic or batch id: every step refuses the reference before
 * touching a file, the batch is recorded as failed (under a name of its own), no file outside the
 * client's own paths changes, and the client and the others keep processing their traffic. A
 * reference far ahead of the ingest fails alone, and the real batches after it still run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startPipeline } from '../../adapters/temporal/start';
import type { StatusReport } from '../../adapters/temporal/status';
import { produceMessages } from '../../adapters/kafka/produce';
import { querySql } from '../../adapters/lake/sql-session';
import { clientWorkflowId } from '../../contract/ids';
import { batchReadySignal } from '../../contract/messages';
import type { BatchRef } from '../../contract/types';
import { batchId, LakeLayout } from '../../domain/lake-layout';
import { startHarness, waitFor } from '../helpers';
import type { PipelineHarness } from '../helpers';

const event = (client: string, i: number) => ({
  key: client,
  value: Buffer.from(JSON.stringify({ client_id: client, timestamp: '2026-11-20T10:00:00Z', event_type: 'purchase', status: 'active', amount: i })),
});
const traffic = (n: number) => [...Array.from({ length: n }, (_, i) => event('acme', i)), ...Array.from({ length: n }, (_, i) => event('victim', i))];

/** Every file and folder under `dir`, relative to it, sorted. */
const tree = (dir: string): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();

describe('clientPipeline: a crafted batchReady signal with traversal in its references', () => {
  let h: PipelineHarness;
  let layout: LakeLayout;
  const outside = mkdtempSync(path.join(os.tmpdir(), 'crafted-outside-'));
  const sentinel = path.join(outside, 'sentinel.parquet');

  const silverOf = (s: StatusReport, id: string) => s.clients.find((c) => c.clientId === id)?.totals.silver ?? -1;
  const drainedTo = (n: number) =>
    waitFor(
      `both clients at ${n} silver records`,
      async () => {
        const s = await h.status();
        return s.drained && silverOf(s, 'acme') === n && silverOf(s, 'victim') === n ? s : null;
      },
      90_000,
    );

  before(async () => {
    h = await startHarness('crafted', { PIPELINE_KNOWN_CLIENTS: 'acme,victim', PIPELINE_BATCH_MAX_WAIT_MS: '200' });
    layout = new LakeLayout(h.t.config.lakeDir);
    writeFileSync(sentinel, 'outside the lake');
    await startPipeline(h.t.config, h.temporal);
    await produceMessages(h.kafka, h.t.config.target.topic, traffic(20));
    await drainedTo(20);
  });
  after(async () => {
    await h.close();
    rmSync(outside, { recursive: true, force: true });
  });

  it('is refused by every step, recorded as a failed batch, and touches no file but its failure record', async () => {
    const victimBronze = readdirSync(layout.bronzeDir('victim')).find((f) => f.endsWith('.parquet'));
    assert.ok(victimBronze);
    const crafted: BatchRef[] = [
      // Before: compensation removed the other client's bronze and silver files of that batch.
      { topic: 'decoy', seq: 0, batchId: `../${path.basename(layout.bronzeDir('victim'))}/${victimBronze.replace(/\.parquet$/, '')}`, records: 1 },
      // Before: compensation removed a file outside the lake.
      { topic: 'decoy', seq: 1, batchId: path.relative(layout.bronzeDir('acme'), sentinel).replace(/\.parquet$/, ''), records: 1 },
      { topic: '../../..', seq: 0, batchId: '../../...000000000', records: 1 },
    ];
    const lakeBefore = tree(h.t.lakeRoot);
    const handle = h.temporal.workflow.getHandle(clientWorkflowId(h.t.config.temporal.workflowIdPrefix, 'acme'));
    for (const ref of crafted) await handle.signal(batchReadySignal, ref);

    const s = await waitFor(
      'the crafted batches to be recorded as failed',
      async () => {
        const st = await h.status();
        const acme = st.clients.find((c) => c.clientId === 'acme');
        return acme && acme.failed === crafted.length && !acme.busy ? st : null;
      },
      90_000,
    );
    assert.match(s.clients.find((c) => c.clientId === 'acme')?.lastError ?? '', /refused/);
    assert.ok(existsSync(sentinel), 'the file outside the lake is still there');
    const lakeAfter = tree(h.t.lakeRoot);
    assert.deepEqual(
      lakeBefore.filter((f) => !lakeAfter.includes(f)),
      [],
      'no file of the lake was removed',
    );
    const errorsDir = path.relative(h.t.lakeRoot, path.dirname(layout.errorsFile('batch', 'acme', 'x')));
    const added = lakeAfter.filter((f) => !lakeBefore.includes(f));
    assert.deepEqual(
      added.filter((f) => !`${errorsDir}${path.sep}`.startsWith(`${f}${path.sep}`) && !/refused-[0-9a-f]{16}\.parquet$/.test(f)),
      [],
      'only the failure records were added',
    );
    assert.equal(added.filter((f) => f.startsWith(`${errorsDir}${path.sep}refused-`)).length, crafted.length);
    const rows = await querySql(
      h.t.config,
      `SELECT batch_id, error_message FROM pipeline_errors WHERE layer = 'batch' AND client_id = 'acme' ORDER BY batch_id`,
    );
    assert.deepEqual(rows.map((r) => r.batch_id).sort(), crafted.map((c) => c.batchId).sort());
    for (const r of rows) assert.match(String(r.error_message), /^InvalidInput: batch reference refused/);
  });

  it('a reference far ahead of the ingest fails alone and hides none of the batches after it', async () => {
    const topic = h.t.config.target.topic;
    const seq = 1_000_000_000;
    const handle = h.temporal.workflow.getHandle(clientWorkflowId(h.t.config.temporal.workflowIdPrefix, 'acme'));
    await handle.signal(batchReadySignal, { topic, seq, batchId: batchId(topic, seq), records: 1 });
    await waitFor(
      'the batch ahead to be recorded as failed',
      async () => {
        const acme = (await h.status()).clients.find((c) => c.clientId === 'acme');
        return acme && acme.failed === 4 && !acme.busy;
      },
      90_000,
    );
    const [row] = await querySql(h.t.config, `SELECT error_message FROM pipeline_errors WHERE batch_id = '${batchId(topic, seq)}'`);
    assert.match(String(row?.error_message), /^RawBatchMissing/);
    await produceMessages(h.kafka, h.t.config.target.topic, traffic(5));
    await drainedTo(25);
  });

  it('leaves the client and the others processing their own traffic', async () => {
    await produceMessages(h.kafka, h.t.config.target.topic, traffic(10));
    await drainedTo(35);
    assert.deepEqual(await querySql(h.t.config, 'SELECT count(*) AS n FROM silver_victim'), [{ n: 35n }]);
  });
});
