/**
 * How busy this worker's clients' queue is, as its ingest sees it. While many of the clients'
 * runs are still running, a batch cut now would reach them only after those runs: each batch
 * costs each of its clients a hand-off and a share of a run, whatever its size, so the ingest
 * keeps filling its batch instead (planBatch) until most of them are done.
 */

/** How often a batch held open for busy clients looks again whether the runs are done. */
export const HOLD_RECHECK_MS = 100;
/**
 * The share of a worker's client slots that must be taken for its clients to count as busy. A
 * round of many clients' runs counts as busy until its last few; a few slow clients of a small
 * pipeline never do, so they never hold back the batches of the others.
 */
export const BUSY_SLOT_SHARE = 0.25;
/** Runs may finish and start again within this without the clients counting as no longer busy. */
const SETTLE_MS = 250;

export class ClientQueueLoad {
  private running = 0;
  private lastBusyAt = Number.NEGATIVE_INFINITY;
  /** Activities running at once from which the clients count as busy. */
  readonly busyFrom: number;

  /** `slots`: the activities the worker runs at once on the clients' queue. */
  constructor(
    slots: number,
    private readonly now: () => number = Date.now,
  ) {
    this.busyFrom = Math.max(1, Math.ceil(slots * BUSY_SLOT_SHARE));
  }

  /** Counts `work` as holding a slot while it runs. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.running += 1;
    if (this.running >= this.busyFrom) this.lastBusyAt = this.now();
    try {
      return await work();
    } finally {
      if (this.running >= this.busyFrom) this.lastBusyAt = this.now();
      this.running -= 1;
    }
  }

  /** Activities running now. */
  get inFlight(): number {
    return this.running;
  }

  /** Whether busyFrom or more activities ran at some moment of the last `withinMs`. */
  busy(withinMs = SETTLE_MS): boolean {
    return this.running >= this.busyFrom || this.now() - this.lastBusyAt <= withinMs;
  }
}
