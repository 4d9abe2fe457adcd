/**
 * Every lake has an identity (`<lakeDir>/_lake.json`), created on first use. Workflows carry the
 * id of the lake they were started for, and activities refuse to write any other: a worker with
 * another lake on the same task queue would otherwise split one pipeline's batches across two
 * lakes, silently.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { z } from 'zod';
import { writeJsonAtomically } from './files';
import { readJsonFile } from './json-file';

const lakeIdentitySchema = z.object({ id: z.string().min(1), createdAt: z.string() });
type LakeIdentityFile = z.infer<typeof lakeIdentitySchema>;
const readIdentity = (file: string) => readJsonFile(file, lakeIdentitySchema, 'lake identity file');

export function lakeIdentityFile(lakeDir: string): string {
  return path.join(lakeDir, '_lake.json');
}

/** The lake's id, creating it if the lake is new (two processes racing agree on one id). */
export async function lakeIdentity(lakeDir: string): Promise<string> {
  const file = lakeIdentityFile(lakeDir);
  const existing = await readIdentity(file);
  if (existing) return existing.id;
  await writeJsonAtomically(file, { id: randomUUID(), createdAt: new Date().toISOString() } satisfies LakeIdentityFile, { onlyIfAbsent: true });
  const created = await readIdentity(file);
  if (!created) throw new Error(`could not create ${file}`);
  return created.id;
}
