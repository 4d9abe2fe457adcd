/**
 * The clients auto-discovery has admitted, kept in the lake (`<lakeDir>/_clients.json`) so the
 * first spelling of an id and the discovery limit hold across batches and workers. Only the
 * ingest of a batch writes it, before the batch's done file: a retried batch reads back what its
 * earlier attempt admitted, and routes it the same way.
 */
import path from 'node:path';
import { z } from 'zod';
import { ClientId } from '../../domain/rules';
import { lakeClients } from './catalog';
import { readJsonFile } from './json-file';
import { writeJsonAtomically } from './files';

const registrySchema = z.strictObject({ discovered: z.array(ClientId) });

export function registryFile(lakeDir: string): string {
  return path.join(lakeDir, '_clients.json');
}

/** Discovered clients; a lake from before the registry starts from the clients that have tables. */
export async function readDiscoveredClients(lakeDir: string): Promise<string[]> {
  const registry = await readJsonFile(registryFile(lakeDir), registrySchema, 'client registry');
  return registry ? registry.discovered : lakeClients(lakeDir);
}

export async function addDiscoveredClients(lakeDir: string, before: readonly string[], added: readonly string[]): Promise<void> {
  if (added.length === 0) return;
  await writeJsonAtomically(registryFile(lakeDir), { discovered: [...before, ...added] });
}
