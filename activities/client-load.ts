/**
 * How busy this worker's clients' queue is, as its ingest sees it. While every slot for the
 * clients' activities is taken, client runs wait in the server's queue for one, and a batch cut
 * now would only queue behind them: each batch costs each of its clients a hand-off and a share
 * of a run, whatever its size, so the ingest keeps filling its batch instead (planBatch).
 */
/** How often a batch held open for busy clients looks again whether a slot came free. */
export const HOLD_RECHECK_MS = 100;
/** A slot freed less than this long ago may just not have been taken again yet by a waiting run. */
const SLOT_REFILL_MS = 250;

export class ClientQueueLoad {
  private running = 0;
  private lastFullAt = Number.NEGATIVE_INFINITY;

  /** `slots`: the activities the worker runs at once on the clients' queue. */
  constructor(
    readonly slots: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts `work` as holding a slot while it runs. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.running += 1;
    if (this.running >= this.slots) this.lastFullAt = this.now();
    try {
      return await work();
    } finally {
      if (this.running >= this.slots) this.lastFullAt = this.now();
      this.running -= 1;
    }
  }

  /** Activities running now. */
  get inFlight(): number {
    return this.running;
  }

  /**
   * Whether every slot was taken at some moment of the last `withinMs`: a slot a run frees is
   * taken by the next waiting run a round trip later, so a free slot seen for an instant does
   * not mean that nothing waits.
   */
  busy(withinMs = SLOT_REFILL_MS): boolean {
    return this.running >= this.slots || this.now() - this.lastFullAt <= withinMs;
  }
}
