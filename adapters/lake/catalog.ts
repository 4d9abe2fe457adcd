/**
 * What the lake holds, found by looking at its folders: which clients have tables, and whether a
 * table has any files yet. Folder names were validated when they were written and are checked
 * again here before anyone builds a SQL name from them.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { CLIENT_ID_PATTERN } from '../../domain/client-id';
import { GENERATIONS_DIR } from '../../domain/generations';

/** Whether `<dir>/(*\/)^depth` holds any Parquet file. */
export async function hasParquet(dir: string, depth: number): Promise<boolean> {
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  if (depth === 0) return entries.some((e) => e.isFile() && e.name.endsWith('.parquet'));
  // A client's folders may be links to the generation a refresh built (domain/generations.ts).
  for (const e of entries) if ((e.isDirectory() || e.isSymbolicLink()) && (await hasParquet(path.join(dir, e.name), depth - 1))) return true;
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

const SWITCH_RETRIES = 5;
const SWITCH_PAUSE_MS = 20;

/**
 * The real folder a table folder stands for now, so a view keeps reading one generation even if
 * a refresh switches the table while it runs. The first switch of a plain folder moves it away
 * just before the link takes its name: a missing folder in a lake with generations is looked
 * for again for a moment.
 */
export async function resolveTableFolder(lakeDir: string, folder: string): Promise<string> {
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await fs.realpath(folder);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    if (attempt >= SWITCH_RETRIES) return folder;
    try {
      await fs.access(path.join(lakeDir, GENERATIONS_DIR));
    } catch {
      return folder;
    }
    await new Promise((r) => setTimeout(r, SWITCH_PAUSE_MS));
  }
}
