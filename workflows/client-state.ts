/**
 * The state of one client's pipeline and the rules for changing it. Deterministic and free of
 * Temporal APIs, so it is carried across continue-as-new as plain data and unit-tested directly.
 */
import { ErrorType } from '../contract/errors';
import { oldestProducedAt } from '../domain/freshness';
import type { CutRef, PendingThrough } from '../contract/scheduled-run';
import type { BatchRef, ClientState, ClientStatus, FailedBatch, LayerCounts, PipelineState, ReplayOutcome, RunLimits } from '../contract/types';

/** Failures of a batch reference itself, rather than of the batch's data or of the lake. */
const REFERENCE_FAILURES: ReadonlySet<string> = new Set([ErrorType.RawBatchMissing, ErrorType.InvalidInput]);

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
  /** Batches being processed right now, as one run (they stay at the head of the queue until done). */
  running: BatchRef[] = [];

  constructor(
    readonly clientId: string,
    readonly data: ClientState = initialClientState(),
  ) {}

  /**
   * Queues a batch unless it was queued before (the ingest may deliver a hand-off twice).
   * `lastQueuedSeq` is a topic's high-water mark. With `markWhenRun`, a batch raises it only once it
   * ran and its raw batch proved real (see `markRan`), and duplicates still waiting are found in the
   * queue and the failed batches: a signal naming a batch far ahead of the ingest, which no raw
   * batch backs, can then no longer hide the real batches that follow. Without it (workflows from
   * before), queueing raises the mark.
   */
  enqueue(batch: BatchRef, { markWhenRun = false }: { markWhenRun?: boolean } = {}): boolean {
    const last = this.data.lastQueuedSeq[batch.topic] ?? -1;
    if (batch.seq <= last) return false;
    if (markWhenRun) {
      const same = (b: BatchRef): boolean => b.topic === batch.topic && b.seq === batch.seq;
      if (this.data.queue.some(same) || this.data.failedBatches.some(same)) return false;
    } else {
      this.data.lastQueuedSeq[batch.topic] = batch.seq;
    }
    this.data.queue.push(batch);
    return true;
  }

  /** A batch ran on a raw batch that exists: hand-offs of it, or of batches before it, are old. */
  private markRan(batch: BatchRef): void {
    this.data.lastQueuedSeq[batch.topic] = Math.max(this.data.lastQueuedSeq[batch.topic] ?? -1, batch.seq);
  }

  get canWork(): boolean {
    return !this.data.paused && this.data.stopped !== true && this.data.queue.length > 0;
  }

  /** The head of the queue, alone (how workflows from before runs take their batches). */
  next(): BatchRef | undefined {
    const head = this.data.queue[0];
    this.running = head ? [head] : [];
    return head;
  }

  /**
   * The next run: batches from the head of the queue, within the limits (the first one whatever
   * its size). A batch of a run that failed runs alone, so a failure names the batch that failed.
   */
  nextRun(limits: RunLimits): BatchRef[] {
    const alone = new Set(this.data.runAlone ?? []);
    const run: BatchRef[] = [];
    let records = 0;
    for (const batch of this.data.queue) {
      if (run.length > 0 && (alone.has(batch.batchId) || run.length >= limits.maxBatches || records + batch.records > limits.maxRecords)) break;
      run.push(batch);
      records += batch.records;
      if (alone.has(batch.batchId)) break;
    }
    this.running = run;
    return run;
  }

  /** The run in progress failed and was undone: its batches stay queued, to run one at a time. */
  splitRun(): void {
    this.data.runAlone = [...(this.data.runAlone ?? []), ...this.running.map((b) => b.batchId)];
    this.running = [];
  }

  /** Removes a finished batch of the run in progress from the queue. */
  private finish(batch: BatchRef): void {
    const at = this.data.queue.findIndex((b) => b.batchId === batch.batchId);
    if (at >= 0) this.data.queue.splice(at, 1);
    this.running = this.running.filter((b) => b.batchId !== batch.batchId);
    if (this.data.runAlone?.includes(batch.batchId)) this.data.runAlone = this.data.runAlone.filter((id) => id !== batch.batchId);
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
    this.data.lastGoldDelayMs = batch.producedAt ? Math.max(0, Date.parse(at) - Date.parse(batch.producedAt)) : null;
    this.data.failedBatches = this.data.failedBatches.filter((f) => f.batchId !== batch.batchId);
    this.markRan(batch);
    this.finish(batch);
  }

  recordFailure(batch: BatchRef, failure: Pick<FailedBatch, 'error' | 'errorType' | 'failedAt'>): void {
    const earlier = this.data.failedBatches.find((f) => f.batchId === batch.batchId);
    const record: FailedBatch = { ...batch, ...failure, attempts: (earlier?.attempts ?? 0) + 1 };
    this.data.failedBatches = [...this.data.failedBatches.filter((f) => f.batchId !== batch.batchId), record];
    this.data.lastBatchAt = failure.failedAt;
    this.data.lastBatchId = batch.batchId;
    this.data.lastError = `${batch.batchId}: ${failure.error}`;
    // A reference refused or naming no raw batch proves nothing about the topic's progress.
    if (!REFERENCE_FAILURES.has(failure.errorType)) this.markRan(batch);
    this.finish(batch);
  }

  /** Whether a batch is in the queue: waiting, or in progress at its head. */
  isQueued(batchId: string): boolean {
    return this.data.queue.some((b) => b.batchId === batchId);
  }

  /**
   * Puts failed batches back in the queue, in their original order, right behind the batches in
   * progress. A failed batch that is queued is already being replayed: it is not queued again, so
   * a second request for it joins the first and reports the same outcome (`again` queues it anyway,
   * which is how workflows that started before this rule behaved). Returns the batches to report
   * on, and the requested ids that were not failed.
   */
  requeueFailed(batchIds: readonly string[] | 'all', options: { again?: boolean } = {}): { replaying: FailedBatch[]; unknown: string[] } {
    const wanted = batchIds === 'all' ? null : new Set(batchIds);
    const replaying = this.data.failedBatches.filter((f) => wanted === null || wanted.has(f.batchId));
    const unknown = wanted === null ? [] : [...wanted].filter((id) => !replaying.some((f) => f.batchId === id));
    const refs: BatchRef[] = replaying
      .filter((f) => options.again === true || !this.isQueued(f.batchId))
      .map(({ topic, seq, batchId, records, producedAt }) => ({ topic, seq, batchId, records, ...(producedAt ? { producedAt } : {}) }));
    const insertAt = this.running.length;
    this.data.queue.splice(insertAt, 0, ...refs);
    return { replaying, unknown };
  }

  /** Whether every one of these batches has run (none is queued any more). */
  replayRan(batchIds: ReadonlySet<string>): boolean {
    return ![...batchIds].some((id) => this.isQueued(id));
  }

  /**
   * Whether a replay request can answer: every batch it replays has run, or the client is paused
   * and none of them is in progress. A paused client runs nothing until resumed, so a request
   * waiting for that would keep its handler open and the workflow from continuing as new.
   */
  replaySettled(batchIds: ReadonlySet<string>): boolean {
    if (this.replayRan(batchIds)) return true;
    return this.data.paused && !this.running.some((b) => batchIds.has(b.batchId));
  }

  /** What became of replayed batches: run (succeeded or failed again), or still queued. */
  replayOutcomes(replaying: readonly FailedBatch[], unknown: readonly string[]): ReplayOutcome[] {
    return [
      ...replaying.map(({ batchId }): ReplayOutcome => {
        if (this.isQueued(batchId)) return { batchId, outcome: 'queued' };
        const still = this.data.failedBatches.find((f) => f.batchId === batchId);
        return still ? { batchId, outcome: 'failed', error: still.error } : { batchId, outcome: 'succeeded' };
      }),
      ...unknown.map((batchId): ReplayOutcome => ({ batchId, outcome: 'not-failed' })),
    ];
  }

  /** Queued batches of the cut's topic at or before it, and whether one of them is in progress. */
  pendingThrough({ topic, seq }: CutRef): PendingThrough {
    const within = (b: BatchRef): boolean => b.topic === topic && b.seq <= seq;
    const inFlightBatches = this.running.filter(within).length;
    return { batches: this.data.queue.filter(within).length, inFlight: inFlightBatches > 0, inFlightBatches };
  }

  get state(): PipelineState {
    if (this.data.stopped === true) return 'stopped';
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
      busy: this.running.length > 0,
      currentBatch: this.running[0]?.batchId ?? null,
      processed: this.data.totals.batches,
      failed: this.data.failedBatches.length,
      failedBatches: this.data.failedBatches.map((f) => f.batchId),
      totals: { ...this.data.totals },
      lastBatchAt: this.data.lastBatchAt,
      lastBatchId: this.data.lastBatchId,
      lastError: this.data.lastError,
      oldestPendingProducedAt: oldestProducedAt([...this.data.queue, ...this.data.failedBatches]),
      lastGoldDelayMs: this.data.lastGoldDelayMs ?? null,
    };
  }
}
