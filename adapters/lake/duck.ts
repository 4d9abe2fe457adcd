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
import { createTableSql, inlineRowsSql, sqlIdent, sqlLiteral, sqlString } from '../../domain/sql';
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
 * Creates a temp table and appends the rows (each a cell per column). Columns named in
 * `sameInEveryRow` hold one value in every row: that value is written once, into the query
 * that reads the rows back, instead of being appended in every row. Returns that query: the
 * rows with all of `columns`, in their order.
 */
export async function stageRows(
  conn: DuckDBConnection,
  table: string,
  columns: Columns,
  rows: ReadonlyArray<readonly Cell[]>,
  sameInEveryRow: readonly string[] = [],
): Promise<string> {
  const first = rows[0];
  const constant = columns.map(([name]) => sameInEveryRow.includes(name));
  const staged = columns.filter((_, i) => !constant[i]);
  const appended = columns.flatMap(([, type], i) => (constant[i] ? [] : [{ i, type }]));
  const checked = columns.flatMap(([name], i) => (constant[i] ? [{ i, name }] : []));
  await conn.run(createTableSql(table, staged));
  for (const row of checked.length > 0 ? rows : []) {
    for (const { i, name } of checked) {
      if (row[i] !== first?.[i]) throw new Error(`column ${name} of ${table} was staged as the same in every row, but it is not`);
    }
  }
  // Column by column, a chunk at a time: numbers and times go into the chunk's memory, not one
  // call into DuckDB per cell as with the appender's row by row methods.
  const appender = await conn.createAppender(table);
  try {
    const types = appended.map(({ type }) => DUCK_TYPES[type]);
    for (let from = 0; from < rows.length; from += CHUNK_ROWS) {
      const slice = rows.slice(from, from + CHUNK_ROWS);
      const chunk = DuckDBDataChunk.create(types, slice.length);
      appended.forEach(({ i, type }, c) => chunk.setColumnValues(c, slice.map((row) => vectorValue(type, row[i] ?? null))));
      appender.appendDataChunk(chunk);
    }
    appender.flushSync();
  } finally {
    appender.closeSync();
  }
  const select = columns.map(([name, type], i) => (constant[i] ? `${sqlLiteral(first?.[i] ?? null, type)} AS ${sqlIdent(name)}` : sqlIdent(name)));
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
