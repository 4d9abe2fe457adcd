import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { openDuckDB, stageRows, writeParquet } from '../../adapters/lake/duck';
import type { Cell } from '../../domain/tables';
import { finalGoldSql, goldSliceSql, goldStateSql, mergedGoldStateSql, touchedSlicesSql } from '../../domain/gold-sql';
import { SILVER_COLUMNS } from '../../domain/tables';

const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;
function silver(eventType: string, at: string | null, amount: number | null, offset: number): Cell[] {
  const batch = offset <= 5 ? 't.000000001' : 't.000000002';
  return ['acme', null, eventType, 'active', amount, at === null ? null : micros(at), null, null, null, null, 't', 0, BigInt(offset), batch, 0n];
}

describe('gold SQL over silver Parquet', () => {
  let db: DuckDBInstance;
  let conn: DuckDBConnection;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'gold-'));
  before(async () => {
    db = await openDuckDB();
    conn = await db.connect();
    // Two batch files; the second holds a late record for an hour the first already covered.
    const s1 = await stageRows(conn, 's1', SILVER_COLUMNS, [
      silver('purchase', '2026-11-20T10:05:00Z', 0.1, 1),
      silver('purchase', '2026-11-20T10:55:00Z', 0.2, 2),
      silver('purchase', '2026-11-20T11:00:00Z', null, 3),
      silver('refund', '2026-11-20T10:30:00Z', 5, 4),
      silver('purchase', '2026-11-21T00:00:00Z', 1, 5),
    ]);
    await writeParquet(conn, s1, path.join(dir, 'b1.parquet'));
    const s2 = await stageRows(conn, 's2', SILVER_COLUMNS, [
      silver('purchase', '2026-11-20T10:59:59Z', 0.3, 6),
      silver('purchase', null, 2, 7),
      silver('big', '2026-11-20T12:00:00Z', 2e15, 8),
    ]);
    await writeParquet(conn, s2, path.join(dir, 'b2.parquet'));
  });
  after(() => {
    conn.closeSync();
    db.closeSync();
  });

  const rows = async (sql: string) => (await conn.runAndReadAll(sql)).getRowObjectsJS();

  it('aggregates one UTC day per hour and event type, late records included, exactly', async () => {
    const gold = await rows(goldSliceSql(path.join(dir, '*.parquet'), { day: '2026-11-20' }));
    assert.deepEqual(
      gold.map((r) => [
        (r.window_start as Date).toISOString(),
        (r.window_end as Date).toISOString(),
        r.event_type,
        r.event_count,
        r.total_amount,
        r.min_amount,
        r.max_amount,
      ]),
      [
        ['2026-11-20T10:00:00.000Z', '2026-11-20T11:00:00.000Z', 'purchase', 3n, 0.6, 0.1, 0.3],
        ['2026-11-20T10:00:00.000Z', '2026-11-20T11:00:00.000Z', 'refund', 1n, 5, 5, 5],
        ['2026-11-20T11:00:00.000Z', '2026-11-20T12:00:00.000Z', 'purchase', 1n, null, null, null],
        ['2026-11-20T12:00:00.000Z', '2026-11-20T13:00:00.000Z', 'big', 1n, 2e15, 2e15, 2e15],
      ],
    );
    // 0.1 + 0.2 + 0.3 in doubles is 0.6000000000000001; the decimal sum is exactly 0.6.
    assert.equal(gold[0]?.avg_amount, 0.6 / 3, 'avg is the exact total over the count of amounts');
    assert.equal(gold[2]?.avg_amount, null);
  });
  it('keeps undated rows in their own slice', async () => {
    const undated = await rows(goldSliceSql(path.join(dir, '*.parquet'), { undated: true }));
    assert.deepEqual(
      undated.map((r) => [r.window_start, r.event_count, r.total_amount]),
      [[null, 1n, 2]],
    );
  });
  it('finds the slices a batch touches', async () => {
    const days = (await rows(touchedSlicesSql([path.join(dir, 'b2.parquet')]))).map((r) => r.day).sort();
    assert.deepEqual(days, ['2026-11-20', null].sort());
  });
  it('merges a later batch’s state into a day’s state to exactly the gold of the whole day', async () => {
    const day = { day: '2026-11-20' };
    await writeParquet(conn, goldStateSql([path.join(dir, 'b1.parquet')], day), path.join(dir, 'day.state'));
    const [state] = await rows(`SELECT any_value(merged_through) AS t FROM read_parquet('${path.join(dir, 'day.state')}')`);
    assert.equal(state?.t, 't.000000001', 'the newest batch the state holds');
    const merged = mergedGoldStateSql(
      `read_parquet('${path.join(dir, 'day.state')}')`,
      `(${goldStateSql([path.join(dir, 'b2.parquet')], day)})`,
      't.000000002',
    );
    assert.deepEqual(await rows(finalGoldSql(`(${merged})`)), await rows(goldSliceSql(path.join(dir, '*.parquet'), day)));
  });
  it('refuses a day that is not a date', () => {
    assert.throws(() => goldSliceSql('x', { day: "2026-11-20' OR 1=1 --" }), /invalid day/);
  });
});
