/**
 * `npm run bench -- --client-runs`: what a client run costs the worker by itself, without
 * Temporal or Kafka. N demo messages across K clients are routed and landed in a lake of its own
 * as `--batches B` raw batches (one by default), as the ingest lands them (raw files in row
 * groups, the routed records handed over, but with no budget on what is handed over); then each
 * client's run goes through `runClientBatches` on real DuckDB with every batch it appears in,
 * one run after another: the figures are per run, not shared with other work. A sweep over K at
 * the same N shows what a run costs whatever its size (K large: runs of few records) against
 * what its records cost (K small); B > 1 at the same N and K shows what a run pays for each
 * batch it holds, records aside.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MockActivityEnvironment } from '@temporalio/testing';
import { openDuckDB, withConnection } from '../../adapters/lake/duck';
import { writeRawBatchFile } from '../../adapters/lake/raw-batch';
import { createClientRunActivities, lakeRunLayers } from '../../activities/client-run';
import { RoutedSlices } from '../../activities/routed-slices';
import { loadConfig } from '../../config/load';
import { DEFAULT_RULE_ACTIONS } from '../../contract/rules';
import type { BatchRef, ClientRunInput } from '../../contract/types';
import { demoClientIds, generateDemo } from '../../domain/demo';
import { batchId, LakeLayout } from '../../domain/lake-layout';
import { routeBatch } from '../../domain/router';
import type { RawMessage } from '../../domain/router';
import { jsThreadCpuSeconds } from './thread-cpu';

export interface ClientRunFigures {
  mode: 'client-runs';
  clients: number;
  messages: number;
  runs: number;
  /** Mean records per run (each client's share of the messages). */
  recordsPerRun: number;
  /** Mean batches per run: the messages land as `batches` raw batches, and a client's run takes each it appears in. */
  batchesPerRun: number;
  /** Per run, in milliseconds: wall time, the process's CPU (all threads), the JavaScript thread's. */
  wallMsPerRun: number;
  cpuMsPerRun: number;
  jsThreadCpuMsPerRun: number | null;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export async function benchClientRuns({
  count,
  clients: clientCount,
  batches = 1,
}: {
  count: number;
  clients: number;
  batches?: number;
}): Promise<ClientRunFigures> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bench-client-runs-'));
  let db: Awaited<ReturnType<typeof openDuckDB>> | undefined;
  try {
    const clients = demoClientIds(clientCount);
    const config = loadConfig({
      env: { ...process.env, PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: root, PIPELINE_KNOWN_CLIENTS: clients.join(',') },
    });
    db = await openDuckDB();
    const start = Date.UTC(2026, 10, 20);
    const messages: RawMessage[] = generateDemo({ count, clients: clientCount, seed: 7 }).map((m, i) => ({
      partition: i % 3,
      offset: String(Math.floor(i / 3)),
      key: m.key === null ? null : Buffer.from(m.key),
      value: m.value,
      timestamp: String(start + i),
    }));
    const layout = new LakeLayout(config.lakeDir);
    const handoff = new RoutedSlices(Number.MAX_SAFE_INTEGER);
    // Each client's run takes its share of every batch it appears in, as a client that fell behind would.
    const runBatches = new Map<string, BatchRef[]>();
    const perBatch = Math.ceil(messages.length / batches);
    for (let seq = 0; seq < batches; seq++) {
      const batch = { topic: 'bench', seq, batchId: batchId('bench', seq) };
      const routed = routeBatch(messages.slice(seq * perBatch, (seq + 1) * perBatch), {
        ...batch,
        ingestedAtMicros: BigInt(start) * 1000n,
        clients: { knownClients: new Set(clients), autoDiscover: false },
        ruleActions: DEFAULT_RULE_ACTIONS,
        maxMessageBytes: config.limits.maxMessageBytes,
        rawValueChars: config.limits.rawValueChars,
      });
      const rawFile = layout.rawFile(batch.topic, batch.batchId);
      await withConnection(db, async (conn) => {
        const written = await writeRawBatchFile(conn, routed.rawRows, rawFile);
        handoff.offer(rawFile, written.identity, routed.clientRecords);
      });
      for (const [clientId, records] of Object.entries(routed.clientCounts)) {
        runBatches.set(clientId, [...(runBatches.get(clientId) ?? []), { ...batch, records }]);
      }
    }
    const activities = createClientRunActivities(lakeRunLayers({ config, db, lakeId: 'bench' }, handoff));
    const inputs: ClientRunInput[] = [...runBatches].map(([clientId, batchesOfRun]) => ({
      clientId,
      batches: batchesOfRun,
      ruleActions: DEFAULT_RULE_ACTIONS,
      lakeId: 'bench',
    }));
    const js = jsThreadCpuSeconds();
    const cpu = process.cpuUsage();
    const t = performance.now();
    for (const input of inputs) {
      await new MockActivityEnvironment({ startToCloseTimeoutMs: 600_000 }).run((i: ClientRunInput) => activities.runClientBatches(i), input);
    }
    const wallMs = performance.now() - t;
    const used = process.cpuUsage(cpu);
    const jsAfter = jsThreadCpuSeconds();
    const runs = inputs.length;
    if (runs === 0) throw new Error(`no client has records among ${count} messages`);
    const records = inputs.reduce((n, i) => n + i.batches.reduce((m, b) => m + b.records, 0), 0);
    const batchesInRuns = inputs.reduce((n, i) => n + i.batches.length, 0);
    return {
      mode: 'client-runs',
      clients: clientCount,
      messages: count,
      runs,
      recordsPerRun: Math.round(records / runs),
      batchesPerRun: round1(batchesInRuns / runs),
      wallMsPerRun: round1(wallMs / runs),
      cpuMsPerRun: round1((used.user + used.system) / 1000 / runs),
      jsThreadCpuMsPerRun: js === null || jsAfter === null ? null : round1(((jsAfter - js) * 1000) / runs),
    };
  } finally {
    db?.closeSync();
    rmSync(root, { recursive: true, force: true });
  }
}
