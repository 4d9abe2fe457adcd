import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { QueryNotRegisteredError, ServiceError } from '@temporalio/client';
import { NO_WORKER, queryFailureNote } from '../../adapters/temporal/status-query';

/** An error shaped like the ones @grpc/grpc-js raises. */
function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}
const wrapped = (cause: Error) => new ServiceError('Failed to query Workflow', { cause });

describe('why a status query got no answer', () => {
  it('says no worker only when the server says nothing polls the task queue', () => {
    assert.equal(queryFailureNote(wrapped(grpcError(9, 'no poller seen for task queue recently, worker may be down'))), NO_WORKER);
  });
  it('reports a timeout as a timeout', () => {
    const note = queryFailureNote(wrapped(grpcError(4, 'Deadline exceeded after 5.001s')), 5000);
    assert.equal(note, 'status query timed out after 5s (is the worker busy, stuck or just stopped?)');
  });
  it('reports any other failure as its own message, in one line', () => {
    assert.equal(queryFailureNote(wrapped(grpcError(9, 'workflow task in failed state'))), 'status query failed: workflow task in failed state');
    assert.equal(
      queryFailureNote(new QueryNotRegisteredError('Workflow did not register a handler for status\nat line 1', 3)),
      'status query failed: Workflow did not register a handler for status',
    );
    assert.equal(queryFailureNote(wrapped(grpcError(14, 'Connection dropped'))), 'status query failed: Connection dropped');
  });
});
