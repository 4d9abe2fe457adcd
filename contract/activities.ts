/**
 * The activities as workflows see them: names, inputs and results. Workflows proxy this
 * interface and never import the activities' implementation (which does IO); the worker's
 * `createActivities` must satisfy it, so the two cannot drift apart.
 */
import type { Alert, AlertReport, ReportedFailure } from './alerts';
import type { RefreshInput, RefreshOutcome } from './refresh';
import type { ClientBaseline, ClientRunCounts, IngestCut } from './scheduled-run';
import type {
  ClientBatchInput,
  ClientRunInput,
  ClientRunLayers,
  CompactionInput,
  CompactionOutcome,
  IngestBatchInput,
  IngestBatchResult,
  IngestSettings,
  LayerCounts,
  PartitionOffsets,
} from './types';

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
  /**
   * Bronze, silver and gold of a run in one activity, each layer as its own activity would do it.
   * A failure names its layer in its first detail (LayerFailureDetails).
   */
  runClientBatches(input: ClientRunInput): Promise<ClientRunLayers>;
  /** Bronze of every batch of a run, each into its own files; counts per batch, in run order. */
  bronzeBatches(input: ClientRunInput): Promise<LayerCounts[]>;
  silverBatches(input: ClientRunInput): Promise<LayerCounts[]>;
  /** Recomputes, once, the gold the run's batches touched; returns gold rows written. */
  goldBatches(input: ClientRunInput): Promise<number>;
  /** Compensation of a run: removes whatever its batches wrote for the client and rebuilds the gold they touched. */
  discardClientBatches(input: ClientRunInput): Promise<void>;
  /** One batch at a time, as workflows from before runs still schedule them. */
  bronzeBatch(input: ClientBatchInput): Promise<LayerCounts>;
  silverBatch(input: ClientBatchInput): Promise<LayerCounts>;
  goldBatch(input: ClientBatchInput): Promise<number>;
  discardClientBatch(input: ClientBatchInput): Promise<void>;
  /** Merges the client's per-batch files into segments, between its runs; rows stay as they are. */
  compactClientTables(input: CompactionInput): Promise<CompactionOutcome>;
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

/** What a scheduled run waits on: the topic's ingest and the client's workflow. */
export interface ScheduledRunActivities {
  /**
   * Waits until a running ingest has landed and handed over everything before `until`; null when
   * no ingest runs (or it ended first), so the run starts a triggered one.
   */
  awaitIngestThrough(input: { settings: IngestSettings; until: PartitionOffsets }): Promise<IngestCut | null>;
  /** The client's counters now; a client without a workflow gets one, stopped (counters zero). */
  clientBaseline(input: { settings: IngestSettings; clientId: string }): Promise<ClientBaseline>;
  /**
   * Wakes the client, lets it process every queued batch up to the cut, and stops it again;
   * counts what it did since `baseline`.
   */
  runClientThrough(input: { settings: IngestSettings; clientId: string; cut: IngestCut; baseline: ClientBaseline }): Promise<ClientRunCounts>;
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

export type PipelineActivities = IngestActivities & ClientLakeActivities & AlertActivities & ScheduledRunActivities & RefreshActivities;
