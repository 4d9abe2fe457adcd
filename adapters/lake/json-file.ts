/**
 * Reading back the JSON files the pipeline itself wrote (batch plans, done files, the lake
 * identity), checked against their schema at the edge: a damaged or foreign file stops with a
 * non-retryable error naming it, instead of failing later far from its cause.
 */
import { promises as fs } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import type { z } from 'zod';
import { ErrorType } from '../../contract/errors';

export function corruptFile(file: string, what: string, why: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${file} is not a valid ${what}: ${why}`, ErrorType.CorruptFile);
}

/** The file's content, or null if there is no such file. */
export async function readJsonFile<S extends z.ZodType>(file: string, schema: S, what: string): Promise<z.output<S> | null> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw corruptFile(file, what, `not JSON (${(e as Error).message})`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw corruptFile(file, what, parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(root)'}: ${i.message}`).join('; '));
  }
  return parsed.data;
}
