/** A SQL session over the lake's views, for `pipeline sql`, `errors` and `health`. */
import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { ResolvedConfig } from '../../config/schema';
import { openDuckDB, withConnection } from './duck';
import { createViews } from './views';
import type { LiveClientState } from './views';

export type SqlRow = Record<string, unknown>;

/** Views whose rows come from the running workflows, not from the lake. */
const LIVE_VIEWS = new Set(['pipeline_health_monitor', 'pipeline_client_state']);

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

/**
 * The tables and views a statement reads, from DuckDB's own parse of it. Only SELECT statements
 * can be serialised; anything else reads no view rows worth fetching live states for.
 */
export async function tablesRead(conn: DuckDBConnection, sql: string): Promise<Set<string>> {
  const reader = await conn.runAndReadAll('SELECT json_serialize_sql($sql::VARCHAR) AS ast', { sql });
  const ast = JSON.parse(String(reader.getRowObjectsJS()[0]?.ast ?? '{}')) as { error?: boolean; statements?: unknown };
  const tables = new Set<string>();
  if (!ast.error) collectTables(ast.statements, tables);
  return tables;
}

export async function querySql(config: ResolvedConfig, sql: string, options: QueryOptions = {}): Promise<SqlRow[]> {
  const db = await openDuckDB();
  try {
    return await withConnection(db, async (conn) => {
      const fetchLive = options.live;
      const readsLive = fetchLive !== undefined && [...(await tablesRead(conn, sql))].some((t) => LIVE_VIEWS.has(t));
      await createViews(conn, config.lakeDir, readsLive ? await fetchLive() : []);
      const reader = await conn.runAndReadAll(sql, options.params);
      return reader.getRowObjectsJS();
    });
  } finally {
    db.closeSync();
  }
}
