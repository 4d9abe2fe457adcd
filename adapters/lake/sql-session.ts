/**
 * A read-only SQL session over the lake's views, for `pipeline sql`, `errors` and `health`.
 *
 * User SQL runs on an instance of its own that, once the views exist, can open no file outside
 * the lake (DuckDB's external access off, the lake as its one allowed folder, the settings
 * locked), and accepts exactly one SELECT statement: nothing can be written, attached, installed,
 * loaded or reconfigured.
 */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { StatementType } from '@duckdb/node-api';
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { ResolvedConfig } from '../../config/schema';
import { GENERATIONS_DIR } from '../../domain/generations';
import { sqlString } from '../../domain/sql';
import { openDuckDB, withConnection } from './duck';
import { createViews } from './views';
import type { LiveClientState } from './views';

export type SqlRow = Record<string, unknown>;

/** A statement the session will not run; the message is the one-line reason. */
export class SqlRefused extends Error {
  override name = 'SqlRefused';
}

/** Views whose rows come from the running workflows, not from the lake. */
const LIVE_VIEWS = new Set(['pipeline_health_monitor', 'pipeline_client_state']);

const ONLY_SELECT = 'only one read-only SELECT statement is accepted (SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE)';

export interface QueryOptions {
  params?: Record<string, DuckDBValue>;
  /** Fetches the workflows' live states; called only when the statement reads a view that shows them. */
  live?: () => Promise<readonly LiveClientState[]>;
}

function collectTables(node: unknown, into: Set<string>): void {
  if (node === null || typeof node !== 'object') return;
  if (Array.isArray(node)) {
    for (const child of node) collectTables(child, into);
    return;
  }
  const record = node as Record<string, unknown>;
  if (record.type === 'BASE_TABLE' && typeof record.table_name === 'string') into.add(record.table_name.toLowerCase());
  for (const child of Object.values(record)) collectTables(child, into);
}

interface ParsedSql {
  /** Statements DuckDB's parser found, when it could serialise them (SELECTs only). */
  statements: unknown[] | null;
  /** DuckDB parsed it, but it is not a SELECT. */
  notSelect: boolean;
}

async function parseSql(conn: DuckDBConnection, sql: string): Promise<ParsedSql> {
  const reader = await conn.runAndReadAll('SELECT json_serialize_sql($sql::VARCHAR) AS ast', { sql });
  const ast = JSON.parse(String(reader.getRowObjectsJS()[0]?.ast ?? '{}')) as { error?: boolean; error_type?: string; statements?: unknown[] };
  if (ast.error) return { statements: null, notSelect: ast.error_type === 'not implemented' };
  return { statements: ast.statements ?? [], notSelect: false };
}

/**
 * The tables and views a statement reads, from DuckDB's own parse of it. Only SELECT statements
 * can be serialised; anything else reads no view rows worth fetching live states for.
 */
export async function tablesRead(conn: DuckDBConnection, sql: string): Promise<Set<string>> {
  const tables = new Set<string>();
  collectTables((await parseSql(conn, sql)).statements, tables);
  return tables;
}

/** Settings after which the connection's instance reads only the lake and cannot be reconfigured. */
function lockDownSql(lakeDir: string, spillDir: string): string[] {
  return [
    // Spilling stays possible, in a private folder (DuckDB allows its temp folder implicitly).
    `SET temp_directory = ${sqlString(spillDir)}`,
    `SET allowed_directories = [${sqlString(`${path.resolve(lakeDir)}${path.sep}`)}]`,
    // Spark SQL's spelling, used by monitoring queries written for it; DuckDB knows only `current_timestamp`.
    'CREATE OR REPLACE TEMP MACRO current_timestamp() AS get_current_timestamp()',
    'SET enable_external_access = false',
    'SET lock_configuration = true',
  ];
}

/** DuckDB's refusal to open a file, or to load an extension, once external access is off. */
function asRefusal(e: unknown): unknown {
  const message = e instanceof Error ? e.message : String(e);
  if (!message.includes('Permission Error')) return e;
  const reason = message.replace(/^.*?Permission Error: /s, '').split('\n')[0] ?? '';
  return new SqlRefused(`refused: only the lake's views can be read (${reason})`);
}

async function runReadOnly(conn: DuckDBConnection, sql: string, params: Record<string, DuckDBValue> | undefined): Promise<SqlRow[]> {
  try {
    const extracted = await conn.extractStatements(sql);
    if (extracted.count !== 1) throw new SqlRefused(`refused: ${ONLY_SELECT}; this text holds ${extracted.count}`);
    const prepared = await extracted.prepare(0);
    try {
      if (prepared.statementType !== StatementType.SELECT) throw new SqlRefused(`refused: ${ONLY_SELECT}; this is ${StatementType[prepared.statementType]}`);
      if (params) prepared.bind(params);
      return (await prepared.runAndReadAll()).getRowObjectsJS();
    } finally {
      prepared.destroySync();
    }
  } catch (e) {
    throw asRefusal(e);
  }
}

/** Sessions tried when a statement meets the lake in the middle of a switch. */
const SESSIONS_PER_QUERY = 4;
const SWITCH_PAUSE_MS = 50;

/**
 * Whether a statement failed because it met a client's folder in the middle of its first switch
 * to a generation (a refresh or compaction moves the plain folder away, then puts a link in its
 * place): a file listed a moment before has moved, or the table was briefly absent.
 */
function metSwitch(e: unknown): boolean {
  const message = e instanceof Error ? e.message : String(e);
  return /No such file or directory|No files found that match the pattern|Catalog Error: Table with name/.test(message);
}

/**
 * Runs one read-only statement over the lake's views. Throws SqlRefused for anything else: more
 * than one statement, a statement other than SELECT, or one that opens a file outside the lake.
 * A statement that met a switch runs again in a new session, which sees the folders as they are
 * now; whatever else fails, fails at once.
 */
export async function querySql(config: ResolvedConfig, sql: string, options: QueryOptions = {}): Promise<SqlRow[]> {
  for (let session = 1; ; session += 1) {
    try {
      return await querySession(config, sql, options);
    } catch (e) {
      if (e instanceof SqlRefused || !metSwitch(e) || session >= SESSIONS_PER_QUERY || !(await hasGenerations(config.lakeDir))) throw e;
    }
    await new Promise((r) => setTimeout(r, SWITCH_PAUSE_MS));
  }
}

/** Switches happen only in a lake with generations. */
async function hasGenerations(lakeDir: string): Promise<boolean> {
  return fs.access(path.join(lakeDir, GENERATIONS_DIR)).then(
    () => true,
    () => false,
  );
}

async function querySession(config: ResolvedConfig, sql: string, options: QueryOptions): Promise<SqlRow[]> {
  if (!sql.replace(/[\s;]/g, '')) throw new SqlRefused(`refused: ${ONLY_SELECT}; this text holds none`);
  const spillDir = await fs.mkdtemp(path.join(os.tmpdir(), 'pipeline-sql-'));
  const db = await openDuckDB();
  try {
    return await withConnection(db, async (conn) => {
      // Parse first: a statement refused here costs no view creation and no live-state fetch.
      const parsed = await parseSql(conn, sql);
      if (parsed.notSelect) throw new SqlRefused(`refused: ${ONLY_SELECT}`);
      if (parsed.statements !== null && parsed.statements.length !== 1) {
        throw new SqlRefused(`refused: ${ONLY_SELECT}; this text holds ${parsed.statements.length}`);
      }
      const tables = new Set<string>();
      collectTables(parsed.statements, tables);
      const fetchLive = options.live;
      const readsLive = fetchLive !== undefined && [...tables].some((t) => LIVE_VIEWS.has(t));
      await createViews(conn, config.lakeDir, readsLive ? await fetchLive() : []);
      for (const statement of lockDownSql(config.lakeDir, spillDir)) await conn.run(statement);
      return await runReadOnly(conn, sql, options.params);
    });
  } finally {
    db.closeSync();
    await fs.rm(spillDir, { recursive: true, force: true });
  }
}
