/**
 * One scheduled run of a client (workflow `scheduledRun`, started by the client's Temporal
 * Schedule): its input, the cut it processes up to, and the summary it completes with. Small
 * values only: offsets, sequence numbers and counts.
 */
import type { ClientTotals, IngestSettings, PartitionOffsets } from './types';

export const SCHEDULED_RUN_WORKFLOW_TYPE = 'scheduledRun';

export interface ScheduledRunInput {
  clientId: string;
  /** The deployment's ingest settings, fixed when the schedule was created or last updated. */
  settings: IngestSettings;
}

/** Where ingestion of the topic stands: every batch up to `seq` is landed and handed over. */
export interface IngestCut {
  seq: number;
  nextOffsets: PartitionOffsets;
}

/** Asks whether queued work of a client lies at or before a cut. */
export interface CutRef {
  topic: string;
  seq: number;
}

/** A client's queued batches at or before a cut (`inFlight`: one of them is being processed). */
export interface PendingThrough {
  batches: number;
  inFlight: boolean;
  /** How many of `batches` are in the run in progress (absent from workflows from before runs). */
  inFlightBatches?: number;
}

/** A client's counters when a run begins, against which the run's work is counted. */
export interface ClientBaseline {
  totals: ClientTotals;
  failedBatches: string[];
}

/** What a client's workflow did during one run: its counters' change, and how it ended. */
export interface ClientRunCounts extends ClientTotals {
  /** Batches that failed during the run (kept for `pipeline replay`). */
  failedBatches: string[];
  /** Batches at or before the cut still queued: the client was paused or stopped by an operator; they wait for the next run. */
  pending: number;
  /** The client was paused, so the run processed what it could and left the rest queued. */
  paused: boolean;
}

export interface ScheduledRunSummary extends ClientRunCounts {
  clientId: string;
  topic: string;
  startedAt: string;
  finishedAt: string;
  offsets: {
    /** Where the topic's ingest stood when the run began. */
    from: PartitionOffsets;
    /** The topic's end offsets when the run began: the run processes at least up to here. */
    until: PartitionOffsets;
    /** Where the run's cut is: the end of the last batch it processed up to. */
    through: PartitionOffsets;
  };
  /** The last raw batch of the cut (-1: none yet). */
  throughSeq: number;
}
