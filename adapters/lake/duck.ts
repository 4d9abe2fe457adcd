/**
 * DuckDB plumbing: one instance per process, a connection per unit of work, rows staged with the
 * appender in chunks and written to Parquet through write-then-rename (fenced, see fence.ts).
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { BIGINT, DOUBLE, DuckDBDataChunk, DuckDBInstance, INTEGER, LIST, listValue, TIMESTAMPTZ, timestampTZValue, VARCHAR } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBType, DuckDBValue } from '@duckdb/node-api';
import { currentFence } from './fence';
import { commitFile, makeDir, removeFile, tempPathFor } from './files';
import { createTableSql, inlineRowsSql, sqlIdent, sqlLiteral, sqlString, sqlText } from '../../domain/sql';
import type { Cell, ColumnType, Columns } from '../../domain/tables';

export async function openDuckDB(options: { threads?: number; memoryLimit?: string } = {}): Promise<DuckDBInstance> {
  const db = await DuckDBInstance.create(':memory:', {
    threads: String(options.threads ?? 2),
    memory_limit: options.memoryLimit ?? '2GB',
    // Memory freed by a large query (a compaction) goes back to the system instead of staying
    // with the process, so the worker's footprint follows its work.
    allocator_flush_threshold: '64MB',
    // DuckDB would otherwise keep the blocks of every Parquet file it reads, up to its memory
    // limit: the worker grew by a quarter of a GiB every three minutes of steady load. The lake's
    // files are local, and the operating system's page cache keeps what is read again.
    enable_external_file_cache: 'false',
    // Nothing may be fetched at run time: parquet and json are built in.
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
  });
  // Hour and day boundaries of TIMESTAMPTZ values are taken in the session's zone: UTC, whatever
  // the host's, for every connection (the setting needs the built-in time zone extension, so it
  // is set once the instance runs, not among the options above).
  const conn = await db.connect();
  try {
    await conn.run("SET GLOBAL TimeZone = 'UTC'");
  } finally {
    conn.closeSync();
  }
  return db;
}

/** Runs `fn` on a connection of its own. Inside a fence, the fence going down interrupts its queries. */
export async function withConnection<T>(db: DuckDBInstance, fn: (conn: DuckDBConnection) => Promise<T>): Promise<T> {
  const fence = currentFence();
  fence?.throwIfAborted();
  const conn = await db.connect();
  const interrupt = (): void => conn.interrupt();
  fence?.addEventListener('abort', interrupt, { once: true });
  try {
    return await fn(conn);
  } finally {
    fence?.removeEventListener('abort', interrupt);
    conn.closeSync();
  }
}

/** DuckDB's own type of each column type. */
const DUCK_TYPES: Record<ColumnType, DuckDBType> = {
  VARCHAR,
  INTEGER,
  BIGINT,
  DOUBLE,
  TIMESTAMPTZ,
  'VARCHAR[]': LIST(VARCHAR), // typed, so an empty list is a VARCHAR[] too
};

/** A cell as a column vector of its type takes it (timestamps: epoch microseconds, an instant). */
function vectorValue(type: ColumnType, cell: Cell): DuckDBValue {
  if (cell === null) return null;
  switch (type) {
    case 'VARCHAR':
      return String(cell);
    case 'INTEGER':
    case 'DOUBLE':
      return Number(cell);
    case 'BIGINT':
      return BigInt(cell as number | bigint);
    case 'TIMESTAMPTZ':
      return timestampTZValue(BigInt(cell as number | bigint));
    case 'VARCHAR[]':
      return listValue(cell as readonly string[]);
  }
}

/** Rows per appended chunk: DuckDB's vector size. */
const CHUNK_ROWS = 2048;

/**
 * A text column whose values repeat (an event type, a status, a client id) is staged as codes,
 * 1-based indices into its distinct values, which the query reading the rows back spells as a
 * list: appending a text costs a call into DuckDB per cell, appending a number does not. Only
 * for a few distinct values, so the list stays a short literal in the query.
 */
const MAX_CODED_WORDS = 256;
const MAX_CODED_CHARS = 64 * 1024;

interface TextCodes {
  /** Per row, the value's 1-based index in `words`, or null for a null cell. */
  codes: Array<number | null>;
  words: string[];
}

/** The codes of column `i` of the rows, or null when its values repeat too little to be worth it. */
function repeatedTextCodes(rows: ReadonlyArray<readonly Cell[]>, i: number): TextCodes | null {
  const indexOf = new Map<string, number>();
  const codes = new Array<number | null>(rows.length);
  // Each distinct value should stand for four rows or more.
  const maxWords = Math.min(MAX_CODED_WORDS, Math.floor(rows.length / 4));
  let chars = 0;
  for (let r = 0; r < rows.length; r++) {
    const cell = rows[r]?.[i] ?? null;
    if (cell === null) {
      codes[r] = null;
      continue;
    }
    const text = String(cell);
    let code = indexOf.get(text);
    if (code === undefined) {
      chars += text.length;
      if (indexOf.size >= maxWords || chars > MAX_CODED_CHARS) return null;
      code = indexOf.size + 1;
      indexOf.set(text, code);
    }
    codes[r] = code;
  }
  return { codes, words: [...indexOf.keys()] };
}

type StagedColumn =
  | { name: string; type: ColumnType; i: number; staged: 'constant' }
  | { name: string; type: ColumnType; i: number; staged: 'value' }
  | { name: string; type: ColumnType; i: number; staged: 'code'; coding: TextCodes };

/**
 * Stages rows (each a cell per column) in a temp table and returns the query that reads them
 * back: all of `columns`, in their order. Read the rows only through that query: the table holds
 * them in staged form. Columns named in `sameInEveryRow` hold one value in every row, which is
 * written once into the query instead of into every row; text columns of few distinct values are
 * staged as codes (see MAX_CODED_WORDS).
 */
export async function stageRows(
  conn: DuckDBConnection,
  table: string,
  columns: Columns,
  rows: ReadonlyArray<readonly Cell[]>,
  sameInEveryRow: readonly string[] = [],
): Promise<string> {
  const first = rows[0];
  const plan: StagedColumn[] = columns.map(([name, type], i) => {
    if (sameInEveryRow.includes(name)) return { name, type, i, staged: 'constant' };
    const coding = type === 'VARCHAR' ? repeatedTextCodes(rows, i) : null;
    return coding === null ? { name, type, i, staged: 'value' } : { name, type, i, staged: 'code', coding };
  });
  for (const column of plan) {
    if (column.staged !== 'constant') continue;
    for (const row of rows) {
      if (row[column.i] !== first?.[column.i]) throw new Error(`column ${column.name} of ${table} was staged as the same in every row, but it is not`);
    }
  }
  const appended = plan.filter((column) => column.staged !== 'constant');
  await conn.run(createTableSql(table, appended.map(({ name, type, staged }) => [name, staged === 'code' ? 'INTEGER' : type])));
  // Column by column, a chunk at a time: numbers and times go into the chunk's memory, not one
  // call into DuckDB per cell as with the appender's row by row methods.
  const appender = await conn.createAppender(table);
  try {
    const types = appended.map(({ type, staged }) => (staged === 'code' ? INTEGER : DUCK_TYPES[type]));
    for (let from = 0; from < rows.length; from += CHUNK_ROWS) {
      const count = Math.min(CHUNK_ROWS, rows.length - from);
      const chunk = DuckDBDataChunk.create(types, count);
      appended.forEach((column, c) => {
        const values = new Array<DuckDBValue>(count);
        for (let r = 0; r < count; r++) {
          values[r] = column.staged === 'code' ? (column.coding.codes[from + r] ?? null) : vectorValue(column.type, rows[from + r]?.[column.i] ?? null);
        }
        chunk.setColumnValues(c, values);
      });
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  const select = plan.map((column) => {
    const name = sqlIdent(column.name);
    if (column.staged === 'constant') return `${sqlLiteral(first?.[column.i] ?? null, column.type)} AS ${name}`;
    if (column.staged === 'code') return `([${column.coding.words.map(sqlText).join(', ')}]::VARCHAR[])[${name}] AS ${name}`;
    return name;
  });
  return `SELECT ${select.join(', ')} FROM ${sqlIdent(table)}`;
}

/**
 * Writes a query's result to `finalPath` as Parquet, atomically and durably. Returns the rows
 * written. `rowGroupRows` makes row groups smaller than DuckDB's default (122,880 rows): a
 * reader filtering on a column the rows are sorted by then skips the groups whose statistics
 * rule them out.
 */
export async function writeParquet(conn: DuckDBConnection, query: string, finalPath: string, options: { rowGroupRows?: number } = {}): Promise<number> {
  return (await writeParquetFile(conn, query, finalPath, options)).rows;
}

/** As writeParquet, and the identity of the file written (adapters/lake/files.ts fileIdentity). */
export async function writeParquetFile(
  conn: DuckDBConnection,
  query: string,
  finalPath: string,
  options: { rowGroupRows?: number } = {},
): Promise<{ rows: number; identity: string }> {
  const { rows, identity } = await publishParquet(conn, query, finalPath, { ...options, whenEmpty: 'write' });
  if (identity === null) throw new Error(`${finalPath} was not written`);
  return { rows, identity };
}

/** Writes the query's rows, or removes the file when there are none (so a rerun leaves no stale file). Returns how many. */
export async function writeParquetOrRemove(conn: DuckDBConnection, query: string, finalPath: string): Promise<number> {
  return (await publishParquet(conn, query, finalPath, { whenEmpty: 'remove' })).rows;
}

async function publishParquet(
  conn: DuckDBConnection,
  query: string,
  finalPath: string,
  options: { rowGroupRows?: number; whenEmpty: 'write' | 'remove' },
): Promise<{ rows: number; identity: string | null }> {
  await makeDir(path.dirname(finalPath));
  const temp = tempPathFor(finalPath);
  const rowGroup = options.rowGroupRows === undefined ? '' : `, ROW_GROUP_SIZE ${Math.trunc(options.rowGroupRows)}`;
  try {
    // COPY tells how many rows it wrote: no separate count of the query.
    const { rowsChanged } = await conn.run(`COPY (${query}) TO ${sqlString(temp)} (FORMAT parquet, COMPRESSION zstd${rowGroup})`);
    if (rowsChanged === 0 && options.whenEmpty === 'remove') {
      await fs.rm(temp, { force: true });
      await removeFile(finalPath);
      return { rows: 0, identity: null };
    }
    return { rows: rowsChanged, identity: await commitFile(temp, finalPath) };
  } catch (e) {
    await fs.rm(temp, { force: true });
    throw e;
  }
}

/**
 * Up to this many rows are written from a query of literals: no staging table and no appender,
 * whose calls block the event loop while DuckDB works for other connections (a client's metric
 * rows, and error rows of a batch with few bad records, are this small).
 */
const LITERAL_ROWS_MAX = 64;

/** Writes rows (each a cell per column) to `finalPath`, or removes the file when there are none. Returns how many. */
export async function writeRowsOrRemove(
  conn: DuckDBConnection,
  table: string,
  columns: Columns,
  rows: ReadonlyArray<readonly Cell[]>,
  finalPath: string,
): Promise<number> {
  if (rows.length === 0) {
    await removeFile(finalPath);
    return 0;
  }
  const query = rows.length <= LITERAL_ROWS_MAX ? inlineRowsSql(columns, rows) : await stageRows(conn, table, columns, rows);
  await writeParquet(conn, query, finalPath);
  return rows.length;
}

export async function countRows(conn: DuckDBConnection, query: string): Promise<number> {
  const reader = await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n FROM (${query})`);
  return Number(reader.getRowObjectsJS()[0]?.n ?? 0);
}
