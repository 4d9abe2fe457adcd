/**
 * Checks every activity makes before it touches the lake: the workflow's lake is this worker's,
 * and the references it was handed are ones it may act on. References arrive in signals anyone
 * with access to the namespace can send, so a bad one is refused before any path is made of it.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../contract/errors';
import type { BatchRef, ClientBatchInput, ClientRunInput } from '../contract/types';
import { LakeLayout } from '../domain/lake-layout';
import { batchRefProblem, isValidSeq, isValidTopic, TOPIC_RULE } from '../domain/references';
import { isValidClientId } from '../domain/client-id';
import type { LakeDeps } from './deps';

type Own = Pick<LakeDeps, 'config' | 'lakeId'>;

/**
 * Refuses to touch a lake other than the workflow's. Retryable: another worker, with the right
 * lake, can take the task; the message says what is misconfigured.
 */
export function assertSameLake(expected: string | undefined, own: { lakeId: string; lakeDir: string }): void {
  if (expected !== undefined && expected !== own.lakeId) {
    throw ApplicationFailure.retryable(
      `this worker's lake ${own.lakeDir} (id ${own.lakeId}) is not the lake of this workflow (id ${expected}): a worker configured with another lake polls this task queue`,
      ErrorType.WrongLake,
    );
  }
}

function refuse(message: string): never {
  throw ApplicationFailure.nonRetryable(message, ErrorType.InvalidInput);
}

export function assertClientId(clientId: string): void {
  if (!isValidClientId(clientId)) refuse(`invalid client id ${JSON.stringify(clientId)}`);
}

/** The paths made of a reference stay inside the lake, whatever the reference held. */
function outsideLake(lakeDir: string, paths: readonly string[]): string | null {
  const root = path.resolve(lakeDir);
  for (const p of paths) {
    const rel = path.relative(root, path.resolve(p));
    if (rel === '' || path.isAbsolute(rel) || rel.split(path.sep)[0] === '..') return `path ${p} is not inside the lake ${root}`;
  }
  return null;
}

export function missingFile(file: string, what: string): ApplicationFailure {
  return ApplicationFailure.nonRetryable(`${what} ${file} does not exist`, ErrorType.RawBatchMissing);
}

/** What is wrong with the batch reference of a client batch's input, or null. */
function clientBatchProblem(lakeDir: string, { clientId, batch }: ClientBatchInput): string | null {
  if (typeof batch !== 'object' || batch === null) return 'no batch reference';
  const problem = batchRefProblem(batch);
  if (problem !== null) return `batch reference refused: ${problem}`;
  const layout = new LakeLayout(lakeDir);
  return outsideLake(lakeDir, [
    layout.rawFile(batch.topic, batch.batchId),
    layout.bronzeFile(clientId, batch.batchId),
    layout.silverFile(clientId, batch.batchId),
    layout.errorsFile('batch', clientId, batch.batchId),
    layout.discardedFile(clientId, batch.batchId),
  ]);
}

/** The guards of every activity that works on one client's batch. */
export function guardClientBatch(own: Own, input: ClientBatchInput): void {
  const problem = guardFailedClientBatch(own, input);
  if (problem !== null) refuse(problem);
}

/** Most batches one run may name: far above any configured run, and a bound on what a crafted input can ask for. */
const MAX_RUN_BATCHES = 1000;

/** The batches of a run, refused unless it names some and not too many. */
export function runBatches(input: ClientRunInput): BatchRef[] {
  const { batches } = input;
  if (!Array.isArray(batches) || batches.length === 0 || batches.length > MAX_RUN_BATCHES) {
    refuse(`a run names 1 to ${MAX_RUN_BATCHES} batches, not ${Array.isArray(batches) ? batches.length : typeof batches}`);
  }
  return batches;
}

/** The guards of every activity that works on a run of a client's batches: each batch's own. */
export function guardClientRun(own: Own, input: ClientRunInput): BatchRef[] {
  const batches = runBatches(input);
  for (const batch of batches) guardClientBatch(own, { ...input, batch });
  return batches;
}

/**
 * The guards of the steps after a batch failed (compensating it, recording it): the same, except
 * that a bad batch reference is returned, not thrown, so that the batch it came in can still be
 * recorded as failed. Every layer step refused that reference, so nothing was written under it.
 */
export function guardFailedClientBatch({ config, lakeId }: Own, input: ClientBatchInput): string | null {
  assertSameLake(input.lakeId, { lakeId, lakeDir: config.lakeDir });
  assertClientId(input.clientId);
  return clientBatchProblem(config.lakeDir, input);
}

/**
 * The names a failed batch is recorded under. A refused reference stays data, bounded, and never
 * names a file: its file name is made of a hash of it.
 */
export function failedBatchNames(refused: string | null, batch: BatchRef): { batchId: string; topic: string; file: string } {
  if (refused === null) return { batchId: batch.batchId, topic: batch.topic, file: batch.batchId };
  const raw = batch as Partial<Record<'batchId' | 'topic', unknown>> | null;
  const hash = createHash('sha256')
    .update(JSON.stringify(batch) ?? String(batch))
    .digest('hex');
  return { batchId: String(raw?.batchId).slice(0, 200), topic: String(raw?.topic).slice(0, 200), file: `refused-${hash.slice(0, 16)}` };
}

/** The guards of the ingest activities: the lake, and the topic and batch sequence they name. */
export function guardIngest({ config, lakeId }: Own, input: { lakeId?: string; topic: string; seq?: number }): void {
  assertSameLake(input.lakeId, { lakeId, lakeDir: config.lakeDir });
  if (!isValidTopic(input.topic)) refuse(`topic ${JSON.stringify(String(input.topic).slice(0, 80))} ${TOPIC_RULE}`);
  if ('seq' in input && !isValidSeq(input.seq)) refuse(`sequence number ${String(input.seq).slice(0, 80)} must be a non-negative whole number`);
  const layout = new LakeLayout(config.lakeDir);
  const problem = outsideLake(config.lakeDir, [layout.rawDir(input.topic), layout.ingestDir(input.topic)]);
  if (problem !== null) refuse(problem);
}
