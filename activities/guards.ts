/**
 * Checks every activity makes before it touches the lake: the workflow's lake is this worker's,
 * and the references it was handed are ones it may act on.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../contract/errors';
import type { ClientBatchInput } from '../contract/types';
import { exists } from '../adapters/lake/files';
import { isValidClientId } from '../domain/rules';
import type { LakeDeps } from './deps';

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

export function assertClientId(clientId: string): void {
  if (!isValidClientId(clientId)) throw ApplicationFailure.nonRetryable(`invalid client id ${JSON.stringify(clientId)}`, ErrorType.InvalidInput);
}

export async function requireFile(path: string, what: string): Promise<void> {
  if (!(await exists(path))) throw ApplicationFailure.nonRetryable(`${what} ${path} does not exist`, ErrorType.RawBatchMissing);
}

/** The guards of every activity that works on one client's batch. */
export function guardClientBatch({ config, lakeId }: Pick<LakeDeps, 'config' | 'lakeId'>, input: ClientBatchInput): void {
  assertSameLake(input.lakeId, { lakeId, lakeDir: config.lakeDir });
  assertClientId(input.clientId);
}
