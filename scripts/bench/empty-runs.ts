/**
 * The orchestration benchmark's activities: client runs that do no data work, and a record of
 * which clients' runs of each batch started, for its rounds to wait on.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { whileHeartbeating } from '../../activities/heartbeat';
import type { PipelineActivities } from '../../contract/activities';
import type { ClientRunInput, ClientRunLayers, CompactionInput, CompactionOutcome } from '../../contract/types';

/** The client runs each round waits for: which clients' runs of each batch started (a retried run counts once). */
export class RunsStarted {
  private readonly started = new Map<number, Set<string>>();
  private readonly waiting = new Map<number, { count: number; resolve: () => void }>();

  record(clientId: string, seqs: readonly number[]): void {
    for (const seq of seqs) {
      const clients = this.started.get(seq) ?? new Set<string>();
      this.started.set(seq, clients.add(clientId));
      const w = this.waiting.get(seq);
      if (w && clients.size >= w.count) {
        this.waiting.delete(seq);
        w.resolve();
      }
    }
  }

  /** Resolves once `count` clients have started a run holding batch `seq`. */
  all(seq: number, count: number): Promise<void> {
    if ((this.started.get(seq)?.size ?? 0) >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiting.set(seq, { count, resolve }));
  }
}

/** Client runs that do no data work: a heartbeat (as a real run's first), then every batch counted as passed. Anything else the workflow asks for fails at once. */
export function emptyRuns(runs: RunsStarted): Partial<PipelineActivities> {
  const notStubbed = (name: string) => () => {
    throw ApplicationFailure.nonRetryable(`${name} is not part of the orchestration benchmark: a run failed, or the workflow changed`);
  };
  return {
    runClientBatches: (input: ClientRunInput): Promise<ClientRunLayers> =>
      whileHeartbeating(async () => {
        runs.record(
          input.clientId,
          input.batches.map((b) => b.seq),
        );
        const counts = input.batches.map((b) => ({ records: b.records, passed: b.records, dropped: 0, warned: 0 }));
        return { bronze: counts, silver: counts, goldRows: 0 };
      }),
    compactClientTables: async ({ clientId }: CompactionInput): Promise<CompactionOutcome> => ({
      clientId,
      folders: 0,
      filesBefore: 0,
      filesAfter: 0,
    }),
    discardClientBatches: notStubbed('discardClientBatches'),
    recordBatchFailure: notStubbed('recordBatchFailure'),
    reportToAlerting: notStubbed('reportToAlerting'),
  };
}
