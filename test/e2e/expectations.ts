/**
 * What every table must hold after the pipeline drained a set of demo messages, computed from
 * the messages' stated truth only (no pipeline code), so the end-to-end test checks the
 * pipeline against an independent account.
 */
import type { DemoMessage } from '../../domain/demo';

export interface ErrorGroup {
  client_id: string | null;
  layer: string;
  table_name: string;
  rules: string;
  n: number;
}

export interface GoldRow {
  window_start: string;
  event_type: string;
  event_count: number;
  /** Sum, min and max in cents (exact integers); null when the hour has no amounts. */
  total_cents: number | null;
  min_cents: number | null;
  max_cents: number | null;
  amounts: number;
}

export interface Expected {
  raw: number;
  rawByClaimedClient: Map<string | null, number>;
  bronze: Map<string, number>;
  silver: Map<string, number>;
  errors: ErrorGroup[];
  gold: Map<string, GoldRow[]>;
}

const inc = <K>(m: Map<K, number>, k: K, by = 1) => m.set(k, (m.get(k) ?? 0) + by);

export function expectedTables(messages: readonly DemoMessage[], clients: readonly string[]): Expected {
  const rawByClaimedClient = new Map<string | null, number>();
  const bronze = new Map<string, number>(clients.map((c) => [c, 0]));
  const silver = new Map<string, number>(clients.map((c) => [c, 0]));
  const errorCounts = new Map<string, ErrorGroup>();
  const gold = new Map<string, Map<string, GoldRow>>(clients.map((c) => [c, new Map()]));

  for (const { truth } of messages) {
    inc(rawByClaimedClient, truth.claimedClientId);
    if (truth.dropAt !== null) {
      const group =
        truth.dropAt === 'router'
          ? { client_id: truth.claimedClientId, layer: 'bronze', table_name: 'kafka_raw_bronze' }
          : { client_id: truth.clientId, layer: truth.dropAt, table_name: `${truth.dropAt}_${truth.clientId}` };
      const rules = JSON.stringify(truth.rules);
      const key = JSON.stringify([group.client_id, group.layer, group.table_name, rules]);
      const entry = errorCounts.get(key) ?? { ...group, rules, n: 0 };
      entry.n += 1;
      errorCounts.set(key, entry);
    }
    const client = truth.clientId;
    if (client === null || truth.dropAt === 'router' || truth.dropAt === 'bronze') continue;
    inc(bronze, client);
    if (truth.dropAt === 'silver') continue;
    inc(silver, client);

    const hour = new Date(Math.floor(truth.eventMs! / 3600_000) * 3600_000).toISOString();
    const key = `${hour}|${truth.eventType}`;
    const rows = gold.get(client)!;
    const row = rows.get(key) ?? {
      window_start: hour,
      event_type: truth.eventType!,
      event_count: 0,
      total_cents: null,
      min_cents: null,
      max_cents: null,
      amounts: 0,
    };
    row.event_count += 1;
    const cents = truth.amountCents ?? null;
    if (cents !== null) {
      row.amounts += 1;
      row.total_cents = (row.total_cents ?? 0) + cents;
      row.min_cents = row.min_cents === null ? cents : Math.min(row.min_cents, cents);
      row.max_cents = row.max_cents === null ? cents : Math.max(row.max_cents, cents);
    }
    rows.set(key, row);
  }

  const sortRows = (rows: GoldRow[]) => rows.sort((a, b) => a.window_start.localeCompare(b.window_start) || a.event_type.localeCompare(b.event_type));
  return {
    raw: messages.length,
    rawByClaimedClient,
    bronze,
    silver,
    errors: [...errorCounts.values()].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    gold: new Map([...gold].map(([c, rows]) => [c, sortRows([...rows.values()])])),
  };
}
