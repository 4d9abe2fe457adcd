/**
 * Routed records handed from a worker's ingest to its own client runs, in memory. The router
 * decodes and checks every message before it can name a client; a client's bronze would read
 * its slice back from the raw file and decode it again. When the run comes to the worker that
 * landed the batch, soon enough, it takes its slice from here instead. Anything else (another
 * worker, a retry, a slice pushed out by newer batches) reads the raw file as before: what is
 * here is only ever a copy of what the file holds.
 *
 * A slice is taken once. Slices are kept for the raw file as it was written: one rewritten or
 * replaced since (another attempt, a lake started over) no longer matches, and its slices are
 * dropped. The values kept are bounded; the oldest batches go first.
 */
import type { RoutedRecord } from '../domain/router';

interface LandedBatch {
  /** The raw file's identity when its slices were offered (adapters/lake/files.ts fileIdentity). */
  identity: string;
  slices: Map<string, readonly RoutedRecord[]>;
  chars: number;
}

const byKafkaOrder = (a: RoutedRecord, b: RoutedRecord): number =>
  a.partition - b.partition || (a.offset < b.offset ? -1 : a.offset > b.offset ? 1 : 0);

const charsOf = (records: readonly RoutedRecord[]): number => records.reduce((n, r) => n + r.value.length, 0);

export class RoutedSlices {
  /** By raw file path, oldest first. */
  private readonly batches = new Map<string, LandedBatch>();
  private chars = 0;

  /**
   * `maxChars`: value characters kept at most. What is held in memory is some three times that:
   * the text, the parsed message and the record around them.
   */
  constructor(private readonly maxChars: number) {}

  /** Offers a landed batch's slices, per client, for the raw file just written. */
  offer(rawFile: string, identity: string, clientRecords: ReadonlyMap<string, RoutedRecord[]>): void {
    this.drop(rawFile);
    const slices = new Map<string, readonly RoutedRecord[]>();
    let chars = 0;
    for (const [clientId, records] of clientRecords) {
      // Already in Kafka order when read range by range; sorted anyway, as bronze reads the file.
      slices.set(clientId, records.sort(byKafkaOrder));
      chars += charsOf(records);
    }
    if (slices.size === 0 || chars > this.maxChars) return;
    this.batches.set(rawFile, { identity, slices, chars });
    this.chars += chars;
    for (const [oldest] of this.batches) {
      if (this.chars <= this.maxChars) break;
      this.drop(oldest);
    }
  }

  /** A client's slice of the raw file, if this worker still holds it for the file as it is now. */
  take(rawFile: string, identity: string, clientId: string): readonly RoutedRecord[] | null {
    const batch = this.batches.get(rawFile);
    if (!batch) return null;
    if (batch.identity !== identity) {
      this.drop(rawFile);
      return null;
    }
    const slice = batch.slices.get(clientId);
    if (!slice) return null;
    batch.slices.delete(clientId);
    const chars = charsOf(slice);
    batch.chars -= chars;
    this.chars -= chars;
    if (batch.slices.size === 0) this.batches.delete(rawFile);
    return slice;
  }

  /** Value characters held now. */
  get heldChars(): number {
    return this.chars;
  }

  /** The raw files whose slices are held now, oldest first. */
  get heldBatches(): string[] {
    return [...this.batches.keys()];
  }

  private drop(rawFile: string): void {
    const batch = this.batches.get(rawFile);
    if (!batch) return;
    this.chars -= batch.chars;
    this.batches.delete(rawFile);
  }
}
