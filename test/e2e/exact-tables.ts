/**
 * The check every end-to-end test ends with: every produced message once in kafka_raw_bronze, and
 * each client's bronze, silver and gold exactly as the independent account says.
 */
import assert from 'node:assert/strict';
import type { Expected } from './expectations';

type Sql = (query: string) => Promise<Record<string, unknown>[]>;

export async function assertExactTables(sql: Sql, expected: Expected, clients: readonly string[]): Promise<void> {
  const [raw] = await sql(`SELECT count(*) AS n, count(DISTINCT ("partition", "offset")) AS d FROM kafka_raw_bronze`);
  assert.deepEqual([Number(raw?.n), Number(raw?.d)], [expected.raw, expected.raw], 'kafka_raw_bronze: rows and distinct messages');
  for (const client of clients) {
    for (const layer of ['bronze', 'silver'] as const) {
      const [r] = await sql(`SELECT count(*) AS n, count(DISTINCT ("partition", "offset")) AS d FROM "${layer}_${client}"`);
      const want = expected[layer].get(client);
      assert.deepEqual([Number(r?.n), Number(r?.d)], [want, want], `${layer}_${client}: rows and distinct records`);
    }
    const gold = await sql(`SELECT strftime(window_start, '%Y-%m-%dT%H:%M:%S.000Z') AS ws, event_type, event_count
                            FROM "gold_${client}_summary" ORDER BY window_start, event_type`);
    assert.deepEqual(
      gold.map((g) => [g.ws, g.event_type, Number(g.event_count)]),
      (expected.gold.get(client) ?? []).map((w) => [w.window_start, w.event_type, w.event_count]),
      `gold_${client}_summary`,
    );
  }
}
