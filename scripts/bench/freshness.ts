/**
 * Freshness: per record, the time from its produce (its Kafka timestamp, kept in kafka_raw_bronze)
 * to the completion of the client activity that wrote its gold (from the client's Temporal
 * history). The two meet on (client, batch id): a client activity's input names its batches.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import type { Payload } from '@temporalio/common';
import { querySql } from '../../adapters/lake/sql-session';
import type { ResolvedConfig } from '../../config/schema';

/** The client activities that end with a client's gold written: a run's, one batch's, or a run's three layers in one. */
export const GOLD_ACTIVITY_TYPES: ReadonlySet<string> = new Set(['goldBatches', 'goldBatch', 'runClientBatches']);

export interface GoldWrite {
  clientId: string;
  batchIds: string[];
  completedMs: number;
}

/** The batches a completed gold activity wrote, from its input (`{clientId, batches}` for runs, `{clientId, batch}` for one batch). */
export function goldWriteOf(payloads: readonly Payload[] | null | undefined, completedMs: number): GoldWrite | null {
  const first = payloads?.[0];
  if (!first) return null;
  const input = defaultPayloadConverter.fromPayload<{ clientId?: string; batches?: { batchId: string }[]; batch?: { batchId: string } }>(first);
  const batches = input.batches ?? (input.batch ? [input.batch] : []);
  if (typeof input.clientId !== 'string' || batches.length === 0) return null;
  return { clientId: input.clientId, batchIds: batches.map((b) => b.batchId), completedMs };
}

export interface Freshness {
  p50Ms: number;
  p95Ms: number;
  maxMs: number;
  minMs: number;
  /** Records counted: of the run's clients, produced after the warm-up. */
  records: number;
  /** Such records whose batch no completed gold activity names (should be 0 once drained). */
  unmatched: number;
  maxWaitMs: number;
}

const key = (clientId: string, batchId: string) => `${clientId}\u0000${batchId}`;

/** The value at quantile q of counted values, sorted ascending (nearest rank). */
function quantile(sorted: readonly { ms: number; n: number }[], total: number, q: number): number {
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (const v of sorted) {
    seen += v.n;
    if (seen >= rank) return v.ms;
  }
  return sorted[sorted.length - 1]?.ms ?? 0;
}

export async function measureFreshness(
  config: ResolvedConfig,
  writes: readonly GoldWrite[],
  options: { clients: readonly string[]; fromMs: number; maxWaitMs: number },
): Promise<Freshness> {
  // A batch rerun after a compensation is in gold from its last completed write on.
  const goldAt = new Map<string, number>();
  for (const w of writes) for (const b of w.batchIds) goldAt.set(key(w.clientId, b), Math.max(goldAt.get(key(w.clientId, b)) ?? 0, w.completedMs));
  // Counted per millisecond in DuckDB: a long run's millions of records come back as far fewer rows.
  const rows = await querySql(
    config,
    `SELECT client_id, batch_id, epoch_ms(kafka_timestamp) AS produced_ms, count(*) AS n
       FROM kafka_raw_bronze WHERE client_id IS NOT NULL GROUP BY ALL`,
  );
  const clients = new Set(options.clients);
  const values: { ms: number; n: number }[] = [];
  let records = 0;
  let unmatched = 0;
  for (const r of rows) {
    const producedMs = Number(r.produced_ms);
    const n = Number(r.n);
    // Unknown clients' records never reach a gold; the warm-up's are left out.
    if (!clients.has(String(r.client_id)) || producedMs < options.fromMs) continue;
    const at = goldAt.get(key(String(r.client_id), String(r.batch_id)));
    if (at === undefined) {
      unmatched += n;
      continue;
    }
    values.push({ ms: at - producedMs, n });
    records += n;
  }
  values.sort((a, b) => a.ms - b.ms);
  return {
    p50Ms: quantile(values, records, 0.5),
    p95Ms: quantile(values, records, 0.95),
    maxMs: values[values.length - 1]?.ms ?? 0,
    minMs: values[0]?.ms ?? 0,
    records,
    unmatched,
    maxWaitMs: options.maxWaitMs,
  };
}
