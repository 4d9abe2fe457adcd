/**
 * Switching a client's live folders to a new generation (see domain/generations.ts). Each live
 * folder becomes a link to the generation's folder in one rename, so a reader opens the old
 * folder or the new one, never a mix. Every change passes the publish fence first.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs, renameSync } from 'node:fs';
import path from 'node:path';
import { passFence } from './fence';
import { fsyncPath, makeDir } from './files';
import { clientGenerationsDir } from '../../domain/generations';
import type { SwitchedFolder } from '../../domain/generations';

async function linkTarget(live: string): Promise<string | null> {
  try {
    return await fs.readlink(live);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'EINVAL') return null; // missing, or a plain folder
    throw e;
  }
}

/**
 * Points `live` at `staged`. A retry finds it done. A plain folder from before generations is
 * first moved into `retiredDir` (the only moment the name is briefly absent; readers look again,
 * see adapters/lake/catalog.ts).
 */
export async function switchFolder({ live, staged }: SwitchedFolder, retiredDir: string): Promise<void> {
  const target = path.relative(path.dirname(live), staged);
  if ((await linkTarget(live)) === target) return;
  await makeDir(staged);
  await makeDir(path.dirname(live));
  const plain = await fs.lstat(live).then((s) => !s.isSymbolicLink(), () => false);
  // Made beside the staged folder, never among the live ones, where a glob could read it twice.
  const temp = path.join(path.dirname(staged), `.link-${randomUUID()}`);
  await fs.symlink(target, temp);
  try {
    if (plain) await makeDir(retiredDir);
    await passFence();
    // Synchronous and back to back: between them a plain folder's name is absent, and through
    // libuv's thread pool, which DuckDB's statements keep busy, the second rename could wait
    // behind them while readers find no table.
    if (plain) renameSync(live, path.join(retiredDir, path.basename(staged)));
    renameSync(temp, live);
  } finally {
    await fs.rm(temp, { force: true });
  }
  await fsyncPath(path.dirname(live));
}

/** The generation a live folder links to, or null (a plain folder, or none). */
export async function liveGeneration(lakeDir: string, clientId: string, live: string): Promise<string | null> {
  const target = await linkTarget(live);
  if (target === null) return null;
  const rel = path.relative(clientGenerationsDir(lakeDir, clientId), path.resolve(path.dirname(live), target));
  return rel.startsWith('..') ? null : (rel.split(path.sep)[0] ?? null);
}

/** Removes the client's generations not in `keep` (neither live nor just replaced), of those `among` selects. */
export async function removeGenerationsExcept(
  lakeDir: string,
  clientId: string,
  keep: ReadonlySet<string>,
  among: (generation: string) => boolean = () => true,
): Promise<string[]> {
  const dir = clientGenerationsDir(lakeDir, clientId);
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  const removed: string[] = [];
  for (const name of names) {
    if (keep.has(name) || !among(name)) continue;
    await passFence();
    await fs.rm(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}
