/**
 * The activities as workflows see them: names, inputs and results. Workflows proxy this
 * interface and never import the activities' implementation (which does IO); the worker's
 * `createActivities` must satisfy it, so the two cannot drift apart.
 */
import type { Alert, AlertReport, ReportedFailure } from './alerts';
import type { RefreshInput, RefreshOutcome } from './refresh';
import type { ClientBatchInput, IngestBatchInput, IngestBatchResult, IngestSettings, LayerCounts, PartitionOffsets } from './types';

export interface RecoveredIngestPosition {
  nextSeq: number;
  nextOffsets: PartitionOffsets;
  dispatchedSeq: number;
}

export interface IngestActivities {
  /** Plans (once), lands and seals raw batch `seq`; `empty` when nothing arrived in time. */
  ingestBatch(input: IngestBatchInput): Promise<IngestBatchResult>;
  /** Hands each client its slice of a sealed raw batch; returns how many clients it reached. */
  dispatchBatch(input: { settings: IngestSettings; seq: number }): Promise<number>;
  /** How far ingestion of a topic got, read back from the lake. */
  recoverIngestPosition(input: { topic: string; lakeId?: string }): Promise<RecoveredIngestPosition>;
  /** The topic's current end offsets (where a triggered run stops). */
  endOffsets(input: { topic: string }): Promise<PartitionOffsets>;
}

export interface ClientLakeActivities {
  bronzeBatch(input: ClientBatchInput): Promise<LayerCounts>;
  silverBatch(input: ClientBatchInput): Promise<LayerCounts>;
  /** Recomputes the gold this batch touched; returns gold rows written. */
  goldBatch(input: ClientBatchInput): Promise<number>;
  /** Compensation: removes whatever the batch wrote for the client and rebuilds the gold it touched. */
  discardClientBatch(input: ClientBatchInput): Promise<void>;
  /** One pipeline_errors row for a batch that failed for good. */
  recordBatchFailure(input: ClientBatchInput & { error: string; errorType: string }): Promise<void>;
}

export interface AlertActivities {
  /** Hands a report to the target's alerting workflow (signal-with-start); never waits on sending. */
  reportToAlerting(report: AlertReport): Promise<void>;
  /** One pipeline_errors row for a failure reported by signal or by the ingest. */
  recordReportedFailure(input: ReportedFailure): Promise<void>;
  /** Sends one alert on its channel; the secrets are read here, at the worker. */
  sendAlert(alert: Alert): Promise<void>;
  /** A channel that kept failing: one pipeline_errors row (layer `alert`), without any secret. */
  recordAlertFailure(input: { alert: Alert; error: string }): Promise<void>;
}

/** Rebuilding a client's tables into a staging generation and switching it in (`pipeline refresh`). */
export interface RefreshActivities {
  /** Between batches: the batches processed so far become the plan of the staging generation; returns how many. */
  beginRefresh(input: RefreshInput): Promise<number>;
  /** Builds the planned batches into the staging generation (long; heartbeats); returns how many. */
  refreshClient(input: RefreshInput): Promise<number>;
  /** Between batches: adds the batches processed since the plan, then switches the live tables to the generation. */
  switchRefresh(input: RefreshInput): Promise<RefreshOutcome>;
}

export type PipelineActivities = IngestActivities & ClientLakeActivities & AlertActivities & RefreshActivities;
