/**
 * Counting the attempts that read a raw batch's messages and still did not land it (an error, or
 * a worker that died while landing), so a batch that cannot land is failed, recorded and alerted
 * instead of retried for ever. The count travels in the activity's heartbeat details, which
 * Temporal hands to the next attempt; a fresh start of the ingest begins a new count.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { ErrorType } from '../contract/errors';
import type { BatchPlan, PartitionRange } from '../domain/batch-plan';

/**
 * Attempts that read a batch's messages and still did not land it, after which the batch is
 * failed (recorded and alerted by the ingest workflow) instead of retried for ever.
 */
export const MAX_LANDINGS = 3;

/** Carried from attempt to attempt in the heartbeat details. */
interface LandingDetails {
  failedLandings?: number;
}

/** This attempt's place in the count of failed landings, sent with every heartbeat. */
export interface LandingAttempt {
  failedBefore: number;
  beat: (details: Record<string, unknown>) => void;
  landing: () => void;
  /** Fails the batch for good once enough attempts failed to land it. */
  failIfExhausted: (plan: Pick<BatchPlan, 'topic' | 'seq' | 'ranges'>) => void;
}

export function landingAttempt(beat: (d?: unknown) => void): LandingAttempt {
  const previous = Context.current().info.heartbeatDetails as LandingDetails | undefined;
  const failedBefore = typeof previous?.failedLandings === 'number' ? previous.failedLandings : 0;
  let failedLandings = failedBefore;
  return {
    failedBefore,
    beat: (details) => beat({ ...details, failedLandings }),
    landing: () => {
      failedLandings = failedBefore + 1;
      const details = { landing: true, failedLandings };
      beat(details);
      // At once: the SDK sends the latest details with a failure, and a crash may come before the next beat.
      Context.current().heartbeat(details);
    },
    failIfExhausted: (plan) => {
      if (failedBefore < MAX_LANDINGS) return;
      throw ApplicationFailure.nonRetryable(
        `batch #${plan.seq} of ${plan.topic} (${describeRanges(plan.ranges)}) failed to land in ${failedBefore} attempts after its messages were read; ` +
          'it stays planned, and the ingest retries it when started again',
        ErrorType.IngestBatchFailed,
      );
    },
  };
}

function describeRanges(ranges: readonly PartitionRange[]): string {
  return ranges.map((r) => `partition ${r.partition} offsets ${r.from}..${BigInt(r.until) - 1n}`).join(', ');
}
