/**
 * Rows reach Parquet two ways: staged through the appender, or (a few rows) as a query of
 * literals. On real DuckDB, both must give the same values and the same column types, for
 * any text a message can carry.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { openDuckDB, stageRows, withConnection, writeParquet, writeRowsOrRemove } from '../../adapters/lake/duck';
import { sqlString } from '../../domain/sql';
import { ERROR_COLUMNS } from '../../domain/tables';
import type { Cell, Columns } from '../../domain/tables';
import { hostileValues } from '../unit/hostile-values';

const COLUMNS: Columns = [
  ['at', 'TIMESTAMPTZ'],
  ['text', 'VARCHAR'],
  ['n', 'INTEGER'],
  ['big', 'BIGINT'],
  ['x', 'DOUBLE'],
  ['list', 'VARCHAR[]'],
];

describe('staged and literal rows on real DuckDB', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'staging-'));
  let db: DuckDBInstance;
  before(async () => {
    db = await openDuckDB({ threads: 1 });
  });
  after(() => {
    db.closeSync();
    rmSync(dir, { recursive: true, force: true });
  });

  const read = async (conn: DuckDBConnection, file: string) => {
    const columns = (
      await conn.runAndReadAll(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM read_parquet(${sqlString(file)}))`)
    ).getRowObjectsJS();
    const rows = (await conn.runAndReadAll(`SELECT * FROM read_parquet(${sqlString(file)})`)).getRowObjectsJS();
    return { columns, rows };
  };

  /** Both ways of writing `rows`, read back. */
  const bothWays = (columns: Columns, rows: Cell[][]) =>
    withConnection(db, async (conn) => {
      const staged = path.join(dir, 'staged.parquet');
      const literal = path.join(dir, 'literal.parquet');
      await writeParquet(conn, await stageRows(conn, 'staged', columns, rows), staged);
      assert.ok(rows.length <= 64, 'few enough rows for the literal way');
      await writeRowsOrRemove(conn, 'unused', columns, rows, literal);
      return { staged: await read(conn, staged), literal: await read(conn, literal) };
    });

  it('gives the same values and types for hostile text, NUL characters, nulls, extreme numbers and empty lists', async () => {
    const texts = [
      ...Object.values(hostileValues).map((v) => (typeof v === 'string' ? v.slice(0, 2_000) : v.toString('latin1'))),
      "it's",
      'a\u0000b\u0000',
      '\\x00 \\n',
      '😀 é',
      '',
    ];
    const rows: Cell[][] = texts.map((text, i) => [
      1_764_000_000_123_456n + BigInt(i),
      text,
      i % 2 === 0 ? -2_147_483_648 : 2_147_483_647,
      i % 2 === 0 ? 9_223_372_036_854_775_807n : -9_223_372_036_854_775_808n,
      [0, -0, 1e-300, 1.7976931348623157e308, 0.1][i % 5] ?? null,
      i % 3 === 0 ? [] : [text, "o'k"],
    ]);
    rows.push([null, null, null, null, null, null]);
    const { staged, literal } = await bothWays(COLUMNS, rows);
    assert.deepEqual(literal, staged);
    assert.equal(staged.rows.length, rows.length);
    assert.equal(staged.rows[texts.indexOf('a\u0000b\u0000')]?.text, 'a\u0000b\u0000');
  });

  it('gives the same error rows for any text', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.string({ unit: 'binary', maxLength: 40 }), { minLength: 1, maxLength: 8 }), async (texts) => {
        const rows: Cell[][] = texts.map((t, i) => [0n, t, 'silver', 'silver_acme', [t], t, 'b', 'events', i, BigInt(i), t]);
        const { staged, literal } = await bothWays(ERROR_COLUMNS, rows);
        assert.deepEqual(literal, staged);
      }),
      { numRuns: 50 },
    );
  });

  /** Rows staged, written and read back: each row's cells as DuckDB returns them, and the staged table's column types. */
  const roundTrip = (columns: Columns, rows: Cell[][]) =>
    withConnection(db, async (conn) => {
      const file = path.join(dir, 'round-trip.parquet');
      await writeParquet(conn, await stageRows(conn, 'staged', columns, rows), file);
      const stagedTypes = (await conn.runAndReadAll('SELECT column_name, column_type FROM (DESCRIBE staged)')).getRowObjectsJS();
      return { rows: (await read(conn, file)).rows.map((row) => columns.map(([name]) => row[name])), stagedTypes };
    });

  it('stages text of few distinct values as codes, and reads back every text as it was', async () => {
    const words = ["it's", 'a\u0000b', '', '😀 é', 'ORDER BY', '[1]', '\\'];
    const rows: Cell[][] = Array.from({ length: 600 }, (_, i) => [i % 9 === 0 ? null : (words[i % words.length] ?? null), `unique ${i}`, i]);
    const columns: Columns = [
      ['repeated', 'VARCHAR'],
      ['unique', 'VARCHAR'],
      ['n', 'INTEGER'],
    ];
    const { rows: back, stagedTypes } = await roundTrip(columns, rows);
    assert.deepEqual(back, rows);
    assert.deepEqual(
      stagedTypes.map((c) => [c.column_name, c.column_type]),
      [
        ['repeated', 'INTEGER'],
        ['unique', 'VARCHAR'],
        ['n', 'INTEGER'],
      ],
    );
  });

  it('reads back any texts, whether their column was coded or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.string({ unit: 'binary', maxLength: 20 }), { minLength: 1, maxLength: 6 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 300 }),
        async (words, picks) => {
          const rows: Cell[][] = picks.map((p, i) => [p % (words.length + 1) === words.length ? null : (words[p % (words.length + 1)] ?? null), i]);
          const { rows: back } = await roundTrip(
            [
              ['text', 'VARCHAR'],
              ['i', 'INTEGER'],
            ],
            rows,
          );
          assert.deepEqual(back, rows);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('removes the file when there are no rows', async () => {
    const file = path.join(dir, 'gone.parquet');
    await withConnection(db, async (conn) => {
      await writeRowsOrRemove(conn, 'one', COLUMNS, [[0n, 'x', 1, 1n, 1, []]], file);
      assert.equal((await read(conn, file)).rows.length, 1);
      assert.equal(await writeRowsOrRemove(conn, 'none', COLUMNS, [], file), 0);
      await assert.rejects(read(conn, file), /No files found|does not exist/);
    });
  });

  it('keeps none of the Parquet blocks it reads in memory: files read again come from the page cache', async () => {
    await withConnection(db, async (conn) => {
      const file = path.join(dir, 'read-often.parquet');
      await writeParquet(conn, "SELECT range AS n, repeat('x', 300) AS v FROM range(100000)", file);
      for (let i = 0; i < 3; i += 1) await conn.run(`SELECT sum(length(v)) FROM read_parquet(${sqlString(file)})`);
      const cached = (
        await conn.runAndReadAll(
          "SELECT coalesce(sum(memory_usage_bytes), 0)::BIGINT AS bytes FROM duckdb_memory() WHERE tag = 'EXTERNAL_FILE_CACHE'",
        )
      ).getRowObjectsJS();
      assert.deepEqual(cached, [{ bytes: 0n }]);
    });
  });
});
