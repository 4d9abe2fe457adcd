/**
 * `npm run bench -- --client-runs`: what a client run costs the worker by itself, without
 * Temporal or Kafka. One raw batch of N demo messages across K clients is routed and landed in a
 * lake of its own, as the ingest lands it (raw file in row groups, the routed records handed
 * over; but as one batch whatever N, and with no budget on what is handed over), then each client's run goes through `runClientBatches` on real DuckDB, one after
 * another: the figures are per run, not shared with other work. A sweep over K at the same N
 * shows what a run costs whatever its size (K large: runs of few records) against what its
 * records cost (K small).
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
import type { ClientRunInput } from '../../contract/types';
import { demoClientIds, generateDemo } from '../../domain/demo';
import { LakeLayout } from '../../domain/lake-layout';
import { routeBatch } from '../../domain/router';
import type { RawMessage } from '../../domain/router';
import { jsThreadCpuSeconds } from './thread-cpu';

export interface ClientRunFigures {
  mode: 'client-runs';
  clients: number;
  messages: number;
  runs: number;
  /** Mean records per run (each client's share of the batch). */
  recordsPerRun: number;
  /** Per run, in milliseconds: wall time, the process's CPU (all threads), the JavaScript thread's. */
  wallMsPerRun: number;
  cpuMsPerRun: number;
  jsThreadCpuMsPerRun: number | null;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

export async function benchClientRuns({ count, clients: clientCount }: { count: number; clients: number }): Promise<ClientRunFigures> {
  const root = mkdtempSync(path.join(os.tmpdir(), 'bench-client-runs-'));
  let db: Awaited<ReturnType<typeof openDuckDB>> | undefined;
  try {
    const clients = demoClientIds(clientCount);
    const config = loadConfig({
      env: { ...process.env, PIPELINE_TARGET: 'dev', PIPELINE_LAKE_ROOT: root, PIPELINE_KNOWN_CLIENTS: clients.join(',') },
    });
    db = await openDuckDB();
    const batch = { topic: 'bench', seq: 0, batchId: 'bench.000000000', records: 0 };
    const start = Date.UTC(2026, 10, 20);
    const messages: RawMessage[] = generateDemo({ count, clients: clientCount, seed: 7 }).map((m, i) => ({
      partition: i % 3,
      offset: String(Math.floor(i / 3)),
      key: m.key === null ? null : Buffer.from(m.key),
      value: m.value,
      timestamp: String(start + i),
    }));
    const routed = routeBatch(messages, {
      topic: batch.topic,
      batchId: batch.batchId,
      ingestedAtMicros: BigInt(start) * 1000n,
      clients: { knownClients: new Set(clients), autoDiscover: false },
      ruleActions: DEFAULT_RULE_ACTIONS,
      maxMessageBytes: config.limits.maxMessageBytes,
      rawValueChars: config.limits.rawValueChars,
    });
    const rawFile = new LakeLayout(config.lakeDir).rawFile(batch.topic, batch.batchId);
    const handoff = new RoutedSlices(Number.MAX_SAFE_INTEGER);
    await withConnection(db, async (conn) => {
      const written = await writeRawBatchFile(conn, routed.rawRows, rawFile);
      handoff.offer(rawFile, written.identity, routed.clientRecords);
    });
    const activities = createClientRunActivities(lakeRunLayers({ config, db, lakeId: 'bench' }, handoff));
    const inputs: ClientRunInput[] = Object.entries(routed.clientCounts).map(([clientId, records]) => ({
      clientId,
      batches: [{ ...batch, records }],
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
    const records = inputs.reduce((n, i) => n + (i.batches[0]?.records ?? 0), 0);
    return {
      mode: 'client-runs',
      clients: clientCount,
      messages: count,
      runs,
      recordsPerRun: Math.round(records / runs),
      wallMsPerRun: round1(wallMs / runs),
      cpuMsPerRun: round1((used.user + used.system) / 1000 / runs),
      jsThreadCpuMsPerRun: js === null || jsAfter === null ? null : round1(((jsAfter - js) * 1000) / runs),
    };
  } finally {
    db?.closeSync();
    rmSync(root, { recursive: true, force: true });
  }
}
