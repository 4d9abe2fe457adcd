/**
 * Creates the SQL surface over the lake (the views `pipeline sql` and the health and errors
 * commands read) on a DuckDB connection: a view per table found in the lake, and the derived
 * views. The SQL text is in domain/views.ts.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { hasParquet, lakeClients, resolveTableFolder } from './catalog';
import { stageRows } from './duck';
import { CLIENT_LIST_VIEW_SQL, healthMonitorViewSql, LIVE_STATE_TABLE, tableViews, tableViewSql } from '../../domain/views';
import { sqlIdent } from '../../domain/sql';
import type { Columns } from '../../domain/tables';

/** Live state of a client's workflow, from Temporal, for the health view. */
export interface LiveClientState {
  client_id: string;
  state: string;
  queued_batches: number;
  backlog_records: number;
  consumer_lag: number | null;
  /** Age of the oldest message not yet in gold (0 when none is pending). */
  gold_lag_seconds?: number | null;
  /** Produce-to-gold delay of the last batch that reached gold. */
  last_gold_delay_seconds?: number | null;
}

const LIVE_STATE_COLUMNS: Columns = [
  ['client_id', 'VARCHAR'],
  ['state', 'VARCHAR'],
  ['queued_batches', 'BIGINT'],
  ['backlog_records', 'BIGINT'],
  ['consumer_lag', 'BIGINT'],
  ['gold_lag_seconds', 'DOUBLE'],
  ['last_gold_delay_seconds', 'DOUBLE'],
];

/**
 * The folders holding a table's files (`depth` levels below `folder`), each resolved to the real
 * folder it stands for now: a client's folder may be a link that a refresh or a compaction
 * switches to a new generation, and a view reading through the link could list the files of
 * one generation and open them in the next.
 */
async function resolvedLeafFolders(lakeDir: string, folder: string, depth: number): Promise<string[]> {
  const real = await resolveTableFolder(lakeDir, folder);
  if (depth === 0) return [real];
  let entries;
  try {
    entries = await fs.readdir(real, { withFileTypes: true });
  } catch {
    return [];
  }
  const leaves: string[] = [];
  for (const e of entries.filter((x) => x.isDirectory() || x.isSymbolicLink()).sort((a, b) => a.name.localeCompare(b.name))) {
    leaves.push(...(await resolvedLeafFolders(lakeDir, path.join(real, e.name), depth - 1)));
  }
  return leaves;
}

/**
 * Creates every view. `live` (client workflow states from Temporal) fills the health view's
 * state and backlog; without it they are `unknown` / null. Returns the views' names.
 */
export async function createViews(conn: DuckDBConnection, lakeDir: string, live: readonly LiveClientState[] = []): Promise<string[]> {
  const liveRows = live.map((l) => [l.client_id, l.state, l.queued_batches, l.backlog_records, l.consumer_lag, l.gold_lag_seconds ?? null, l.last_gold_delay_seconds ?? null]);
  const liveState = await stageRows(conn, `${LIVE_STATE_TABLE}_staged`, LIVE_STATE_COLUMNS, liveRows);
  await conn.run(`CREATE OR REPLACE TEMP VIEW ${sqlIdent(LIVE_STATE_TABLE)} AS ${liveState}`);
  const clients = await lakeClients(lakeDir);
  const views: string[] = [];
  for (const { name, dir, depth, columns } of tableViews(clients)) {
    const folders = await resolvedLeafFolders(lakeDir, path.join(lakeDir, dir), depth);
    const globs: string[] = [];
    for (const folder of folders) if (await hasParquet(folder, 0)) globs.push(path.join(folder, '*.parquet'));
    await conn.run(tableViewSql(name, globs, columns));
    views.push(name);
  }
  await conn.run(CLIENT_LIST_VIEW_SQL);
  await conn.run(healthMonitorViewSql(clients));
  return [...views, 'client_list', 'pipeline_health_monitor'];
}
