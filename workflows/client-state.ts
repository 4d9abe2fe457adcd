/**
 * The state of one client's pipeline and the rules for changing it. Deterministic and free of
 * Temporal APIs, so it is carried across continue-as-new as plain data and unit-tested directly.
 */
import type { BatchRef, ClientState, ClientStatus, FailedBatch, LayerCounts, PipelineState } from '../contract/types';

export function initialClientState(): ClientState {
  return {
    queue: [],
    lastQueuedSeq: {},
    paused: false,
    failedBatches: [],
    totals: { batches: 0, records: 0, bronze: 0, silver: 0, dropped: 0, warned: 0 },
    lastBatchAt: null,
    lastBatchId: null,
    lastError: null,
  };
}

export class ClientPipelineState {
  /** Batch being processed right now (it stays at the head of the queue until done). */
  current: BatchRef | null = null;

  constructor(
    readonly clientId: string,
    readonly data: ClientState = initialClientState(),
  ) {}

  /** Queues a batch unless it was queued before (the ingest may deliver a hand-off twice). */
  enqueue(batch: BatchRef): boolean {
    const last = this.data.lastQueuedSeq[batch.topic] ?? -1;
    if (batch.seq <= last) return false;
    this.data.lastQueuedSeq[batch.topic] = batch.seq;
    this.data.queue.push(batch);
    return true;
  }

  get canWork(): boolean {
    return !this.data.paused && this.data.queue.length > 0;
  }

  next(): BatchRef | undefined {
    this.current = this.data.queue[0] ?? null;
    return this.current ?? undefined;
  }

  /** Removes the finished head of the queue. */
  private finishCurrent(): void {
    this.data.queue.shift();
    this.current = null;
  }

  recordSuccess(batch: BatchRef, bronze: LayerCounts, silver: LayerCounts, at: string): void {
    const t = this.data.totals;
    t.batches += 1;
    t.records += bronze.records;
    t.bronze += bronze.passed;
    t.silver += silver.passed;
    t.dropped += bronze.dropped + silver.dropped;
    t.warned += bronze.warned + silver.warned;
    this.data.lastBatchAt = at;
    this.data.lastBatchId = batch.batchId;
    this.data.failedBatches = this.data.failedBatches.filter((f) => f.batchId !== batch.batchId);
    this.finishCurrent();
  }

  recordFailure(batch: BatchRef, failure: Pick<FailedBatch, 'error' | 'errorType' | 'failedAt'>): void {
    const earlier = this.data.failedBatches.find((f) => f.batchId === batch.batchId);
    const record: FailedBatch = { ...batch, ...failure, attempts: (earlier?.attempts ?? 0) + 1 };
    this.data.failedBatches = [...this.data.failedBatches.filter((f) => f.batchId !== batch.batchId), record];
    this.data.lastBatchAt = failure.failedAt;
    this.data.lastBatchId = batch.batchId;
    this.data.lastError = `${batch.batchId}: ${failure.error}`;
    this.finishCurrent();
  }

  /**
   * Puts failed batches back at the front of the queue, in their original order. Returns the
   * batches taken, and the requested ids that were not failed.
   */
  requeueFailed(batchIds: readonly string[] | 'all'): { requeued: FailedBatch[]; unknown: string[] } {
    const wanted = batchIds === 'all' ? null : new Set(batchIds);
    const requeued = this.data.failedBatches.filter((f) => wanted === null || wanted.has(f.batchId));
    const unknown = wanted === null ? [] : [...wanted].filter((id) => !requeued.some((f) => f.batchId === id));
    const refs: BatchRef[] = requeued.map(({ topic, seq, batchId, records }) => ({ topic, seq, batchId, records }));
    // The head of the queue may be in progress; replayed batches go right behind it.
    const insertAt = this.current === null ? 0 : 1;
    this.data.queue.splice(insertAt, 0, ...refs);
    return { requeued, unknown };
  }

  get state(): PipelineState {
    if (this.data.paused) return 'paused';
    if (this.data.failedBatches.length > 0) return 'failing';
    return 'running';
  }

  status(): ClientStatus {
    return {
      clientId: this.clientId,
      state: this.state,
      paused: this.data.paused,
      queued: this.data.queue.length,
      backlogRecords: this.data.queue.reduce((n, b) => n + b.records, 0),
      busy: this.current !== null,
      currentBatch: this.current?.batchId ?? null,
      processed: this.data.totals.batches,
      failed: this.data.failedBatches.length,
      failedBatches: this.data.failedBatches.map((f) => f.batchId),
      totals: { ...this.data.totals },
      lastBatchAt: this.data.lastBatchAt,
      lastBatchId: this.data.lastBatchId,
      lastError: this.data.lastError,
    };
  }
}
