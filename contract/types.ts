/**
 * Types that cross the workflow boundary: workflow inputs, carried state, activity inputs and
 * results. Every one of them is small and holds references (batch ids, offsets, counts), never
 * message bodies, so Temporal history stays small whatever the batch size.
 */
import type { RuleActions } from './rules';

/** Kafka offsets by partition, as decimal strings (offsets are 64-bit). */
export type PartitionOffsets = Record<string, string>;

export type PipelineMode = 'continuous' | 'triggered';

export interface ClientsSettings {
  known: string[];
  autoDiscover: boolean;
}

export interface IngestSettings {
  topic: string;
  maxMessages: number;
  maxWaitMs: number;
  clients: ClientsSettings;
  ruleActions: RuleActions;
  /** Prefix and task queue of the client workflows this ingest starts or signals. */
  workflowIdPrefix: string;
  taskQueue: string;
  /** History events after which the ingest and the client workflows it starts continue as new. */
  continueAsNewAfterEvents?: number;
  /** Identity of the lake this pipeline writes (see adapters/lake/lake-identity.ts). */
  lakeId?: string;
  /** How many queued batches the client workflows this ingest starts take into one run. */
  runLimits?: RunLimits;
}

/**
 * A client workflow runs the batches queued for it together, as one run of the bronze, silver
 * and gold steps: at most this many batches, and this many records unless a single batch holds more.
 */
export interface RunLimits {
  maxBatches: number;
  maxRecords: number;
  /** The client's files are compacted after this many batches (0: never; absent: the default). */
  compactAfterBatches?: number;
}

export interface IngestState {
  nextSeq: number;
  nextOffsets: PartitionOffsets;
  /** Highest batch whose hand-off to clients finished; a recovered ingest redoes the next one. */
  dispatchedSeq: number;
  batches: number;
  messages: number;
  lastBatchAt: string | null;
  /** Triggered mode: stop once these offsets (the ones present at start) are ingested. */
  stopAt: PartitionOffsets | null;
}

export interface IngestInput {
  settings: IngestSettings;
  mode: PipelineMode;
  state?: IngestState;
}

export interface IngestSummary {
  topic: string;
  batches: number;
  messages: number;
  nextOffsets: PartitionOffsets;
  /** Set when an operator stopped the ingest: where a later start continues. */
  stoppedAt?: IngestState;
}

export interface IngestStatus extends IngestSummary {
  mode: PipelineMode;
  nextSeq: number;
  dispatchedSeq: number;
  phase: 'starting' | 'polling' | 'dispatching' | 'done' | 'stopped';
  lastBatchAt: string | null;
}

/** One client's slice of one raw batch: the client reads it from kafka_raw_bronze by reference. */
export interface BatchRef {
  topic: string;
  seq: number;
  batchId: string;
  /** Messages of this client in the raw batch. */
  records: number;
  /** Kafka timestamp of the oldest of them (absent on batches handed over before it was kept). */
  producedAt?: string;
}

export interface FailedBatch extends BatchRef {
  error: string;
  errorType: string;
  failedAt: string;
  attempts: number;
}

export interface ClientTotals {
  batches: number;
  records: number;
  bronze: number;
  silver: number;
  dropped: number;
  warned: number;
}

export interface ClientState {
  queue: BatchRef[];
  /** Highest sequence queued per topic: the ingest may hand a batch over twice, we take it once. */
  lastQueuedSeq: Record<string, number>;
  paused: boolean;
  failedBatches: FailedBatch[];
  totals: ClientTotals;
  lastBatchAt: string | null;
  lastBatchId: string | null;
  lastError: string | null;
  /** A failure was alerted and no recovery notice has been sent since. */
  alertOpen?: boolean;
  /** Stopped by an operator: runs nothing until started again (batches still queue). */
  stopped?: boolean;
  /** From the oldest message's production to the end of gold, for the last batch that succeeded. */
  lastGoldDelayMs?: number | null;
  /** Queued batches of a run that failed: each runs alone, so only a bad one is recorded failed. */
  runAlone?: string[];
}

export interface ClientPipelineInput {
  clientId: string;
  ruleActions: RuleActions;
  continueAsNewAfterEvents?: number;
  lakeId?: string;
  /** Absent on workflows started before runs existed: the defaults apply. */
  runLimits?: RunLimits;
  state?: ClientState;
}

export type PipelineState = 'running' | 'paused' | 'failing' | 'stopped';

export interface ClientStatus {
  clientId: string;
  state: PipelineState;
  paused: boolean;
  queued: number;
  /** Records handed to this client and not yet processed (its share of the backlog). */
  backlogRecords: number;
  busy: boolean;
  currentBatch: string | null;
  processed: number;
  failed: number;
  failedBatches: string[];
  totals: ClientTotals;
  lastBatchAt: string | null;
  lastBatchId: string | null;
  lastError: string | null;
  /** Production time of the oldest message handed to this client and not yet in gold, if known. */
  oldestPendingProducedAt?: string | null;
  lastGoldDelayMs?: number | null;
}

export interface LayerCounts {
  records: number;
  passed: number;
  dropped: number;
  warned: number;
}

/** What one activity did to a run's batches in all three layers: counts per batch, in run order. */
export interface ClientRunLayers {
  bronze: LayerCounts[];
  silver: LayerCounts[];
  goldRows: number;
}

/** The client layers, as a failure of a run names where it happened. */
export type ClientLayer = 'bronze' | 'silver' | 'gold';

/** Where a run through all layers (`runClientBatches`) is: in each of its heartbeats, and in the first detail of its failure. */
export interface LayerFailureDetails {
  layer: ClientLayer;
}

export interface ClientBatchInput {
  clientId: string;
  batch: BatchRef;
  ruleActions: RuleActions;
  lakeId?: string;
}

/** Several queued batches of one client, run together; each keeps its own output files. */
export interface ClientRunInput {
  clientId: string;
  batches: BatchRef[];
  ruleActions: RuleActions;
  lakeId?: string;
}

export interface IngestBatchInput {
  settings: IngestSettings;
  seq: number;
  nextOffsets: PartitionOffsets;
  stopAt: PartitionOffsets | null;
}

export type IngestBatchResult =
  | { kind: 'empty' }
  | {
      kind: 'batch';
      seq: number;
      batchId: string;
      nextOffsets: PartitionOffsets;
      messages: number;
      clients: number;
      unroutable: number;
    };

export interface ReplayRequest {
  batchIds?: string[];
  allFailed?: boolean;
}

export interface ReplayOutcome {
  batchId: string;
  /** `queued`: the client was paused before the batch ran; it runs once the client is resumed. */
  outcome: 'succeeded' | 'failed' | 'queued' | 'not-failed';
  error?: string;
}

export interface CompactionInput {
  clientId: string;
  lakeId: string | undefined;
}

/** What a compaction of a client's tables did: folders rewritten, and their files before and after. */
export interface CompactionOutcome {
  clientId: string;
  folders: number;
  filesBefore: number;
  filesAfter: number;
}
