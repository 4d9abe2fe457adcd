/** A read-only SQL session over the lake's views, for `pipeline sql`, `errors` and `health`. */
import type { DuckDBValue } from '@duckdb/node-api';
import type { ResolvedConfig } from '../../config/schema';
import { openDuckDB, withConnection } from './duck';
import { createViews } from './views';
import type { LiveClientState } from './views';

export type SqlRow = Record<string, unknown>;

export async function querySql(
  config: ResolvedConfig,
  sql: string,
  params?: Record<string, DuckDBValue>,
  live: readonly LiveClientState[] = [],
): Promise<SqlRow[]> {
  const db = await openDuckDB();
  try {
    return await withConnection(db, async (conn) => {
      await createViews(conn, config.lakeDir, live);
      const reader = await conn.runAndReadAll(sql, params);
      return reader.getRowObjectsJS() as SqlRow[];
    });
  } finally {
    db.closeSync();
  }
}
