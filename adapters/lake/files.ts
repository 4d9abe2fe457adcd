/**
 * Durable, atomic file commits. A file appears under its final name complete or not at all, and
 * is on disk before the call returns (fsync of the file and its folder), so a crash at any
 * instant leaves either the old state or the new one.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';

/** A temporary name beside `finalPath` (same folder, so rename is atomic). Never ends in .parquet/.json. */
export function tempPathFor(finalPath: string): string {
  return `${finalPath}.tmp-${randomUUID()}`;
}

async function fsyncPath(p: string): Promise<void> {
  const handle = await fs.open(p, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Moves a finished temp file into place, replacing any earlier version. */
export async function commitFile(tempPath: string, finalPath: string): Promise<void> {
  await fsyncPath(tempPath);
  await fs.rename(tempPath, finalPath);
  await fsyncPath(path.dirname(finalPath));
}

/**
 * Moves a finished temp file into place only if nothing is there yet. Returns false (and drops
 * the temp file) when another attempt got there first; the caller then uses what is there.
 */
export async function commitFileIfAbsent(tempPath: string, finalPath: string): Promise<boolean> {
  await fsyncPath(tempPath);
  try {
    await fs.link(tempPath, finalPath);
    await fsyncPath(path.dirname(finalPath));
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await fs.rm(tempPath, { force: true });
  }
}

export async function writeJsonAtomically(finalPath: string, value: unknown, { onlyIfAbsent = false } = {}): Promise<boolean> {
  await fs.mkdir(path.dirname(finalPath), { recursive: true });
  const temp = tempPathFor(finalPath);
  await fs.writeFile(temp, `${JSON.stringify(value, null, 2)}\n`);
  if (onlyIfAbsent) return commitFileIfAbsent(temp, finalPath);
  await commitFile(temp, finalPath);
  return true;
}

export async function readJsonIfExists<T>(p: string): Promise<T | null> {
  try {
    return JSON.parse(await fs.readFile(p, 'utf8')) as T;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
}

export async function listFiles(dir: string, suffix: string): Promise<string[]> {
  try {
    return (await fs.readdir(dir)).filter((name) => name.endsWith(suffix)).sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
}

export async function exists(p: string): Promise<boolean> {
  try {
    await fs.access(p);
    return true;
  } catch {
    return false;
  }
}
