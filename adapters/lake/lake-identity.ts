/**
 * Every lake has an identity (`<lakeDir>/_lake.json`), created on first use. Workflows carry the
 * id of the lake they were started for, and activities refuse to write any other: a worker with
 * another lake on the same task queue would otherwise split one pipeline's batches across two
 * lakes, silently.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { readJsonIfExists, writeJsonAtomically } from './files';

interface LakeIdentityFile {
  id: string;
  createdAt: string;
}

export function lakeIdentityFile(lakeDir: string): string {
  return path.join(lakeDir, '_lake.json');
}

/** The lake's id, creating it if the lake is new (two processes racing agree on one id). */
export async function lakeIdentity(lakeDir: string): Promise<string> {
  const file = lakeIdentityFile(lakeDir);
  const existing = await readJsonIfExists<LakeIdentityFile>(file);
  if (existing) return existing.id;
  await writeJsonAtomically(file, { id: randomUUID(), createdAt: new Date().toISOString() } satisfies LakeIdentityFile, { onlyIfAbsent: true });
  const created = await readJsonIfExists<LakeIdentityFile>(file);
  if (!created) throw new Error(`could not create ${file}`);
  return created.id;
}
