/**
 * What the lake holds, found by looking at its folders: which clients have tables, and whether a
 * table has any files yet. Folder names were validated when they were written and are checked
 * again here before anyone builds a SQL name from them.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CLIENT_ID_PATTERN } from '../../domain/rules';

/** Whether `<dir>/(*\/)^depth` holds any Parquet file. */
export async function hasParquet(dir: string, depth: number): Promise<boolean> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  if (depth === 0) return entries.some((e) => e.isFile() && e.name.endsWith('.parquet'));
  for (const e of entries) if (e.isDirectory() && (await hasParquet(path.join(dir, e.name), depth - 1))) return true;
  return false;
}

/** Client ids that have a bronze or silver table in the lake, sorted. */
export async function lakeClients(lakeDir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await fs.readdir(lakeDir);
  } catch {
    return [];
  }
  const clients = new Set<string>();
  for (const name of names) {
    const m = /^(?:bronze|silver)_(.+)$/.exec(name);
    if (m?.[1] && CLIENT_ID_PATTERN.test(m[1])) clients.add(m[1]);
  }
  return [...clients].sort();
}
