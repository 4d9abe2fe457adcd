/**
 * Deciding which offsets form the next raw batch. Pure. Once written, a plan is final: every
 * retry of that batch reads exactly these ranges, so the batch's content never changes.
 */
import { z } from 'zod';
import type { PartitionOffsets } from '../contract/types';

const offset = z.string().regex(/^\d+$/, 'an offset as decimal text');

const partitionRangeSchema = z.object({
  partition: z.number().int().nonnegative(),
  /** First offset of the range. */
  from: offset,
  /** One past the last offset of the range. */
  until: offset,
});
export type PartitionRange = z.infer<typeof partitionRangeSchema>;

/** A plan file (`_ingest/<topic>/<seq>.plan.json`), as read back from the lake. */
export const batchPlanSchema = z.object({
  topic: z.string().min(1),
  seq: z.number().int().nonnegative(),
  batchId: z.string().min(1),
  ranges: z.array(partitionRangeSchema),
  /** Position after this batch, for every partition known at planning time. */
  nextOffsets: z.record(z.string(), offset),
  /** When the plan was made; also the batch's ingested_at, so every retry writes the same rows. */
  plannedAt: z.string().refine((t) => Number.isFinite(Date.parse(t)), 'a date-time'),
});
export type BatchPlan = z.infer<typeof batchPlanSchema>;

/**
 * The batch's ingested_at, in microseconds. Fixed by the plan file (written once per batch), so
 * a retry writes exactly the rows of the attempt it replaces. Plan files have always recorded
 * plannedAt, so plans written before ingested_at came from it work the same way.
 */
export function ingestedAtMicros(plan: Pick<BatchPlan, 'plannedAt'>): bigint {
  return BigInt(Date.parse(plan.plannedAt)) * 1000n;
}

/**
 * Batches behind the newest done batch whose plan and done files are kept. Only the newest done
 * file is needed (recovery, and a retry of the batch in flight); the margin leaves any attempt
 * of an older batch that is still running long after it was superseded with its files.
 */
export const INGEST_FILES_KEPT = 1000;

/** Whether a batch's `_ingest` files may go, given the newest done batch. */
export function ingestFilesPrunable(seq: number, newestDone: number): boolean {
  return seq <= newestDone - INGEST_FILES_KEPT;
}

/** The highest sequence number, or -1. A loop: spreading 100,000+ arguments overflows the stack. */
export function highestSeq(seqs: Iterable<number>): number {
  let highest = -1;
  for (const seq of seqs) if (seq > highest) highest = seq;
  return highest;
}

export interface Watermark {
  partition: number;
  low: bigint;
  high: bigint;
}

/** Messages available per partition from `next` (or the earliest offset) up to high / stopAt. */
export function available(
  watermarks: readonly Watermark[],
  next: PartitionOffsets,
  stopAt: PartitionOffsets | null,
): Map<number, { from: bigint; end: bigint }> {
  const result = new Map<number, { from: bigint; end: bigint }>();
  for (const w of watermarks) {
    const key = String(w.partition);
    const position = next[key] !== undefined ? BigInt(next[key]) : w.low;
    // Offsets below the low watermark are gone (retention); start from what still exists.
    const from = position < w.low ? w.low : position;
    const cap = stopAt ? BigInt(stopAt[key] ?? '0') : w.high;
    const end = cap < w.high ? cap : w.high;
    result.set(w.partition, { from, end: end > from ? end : from });
  }
  return result;
}

export function totalAvailable(avail: Map<number, { from: bigint; end: bigint }>): bigint {
  let total = 0n;
  for (const { from, end } of avail.values()) total += end - from;
  return total;
}

/** Messages read ahead from one partition: the offset they start at, and each one's offset and size. */
export interface ReadAhead {
  from: bigint;
  messages: readonly { offset: bigint; bytes: number }[];
}

/** How many messages are read ahead, over every partition. */
export function messagesReadAhead(ahead: ReadonlyMap<number, ReadAhead>): number {
  let messages = 0;
  for (const a of ahead.values()) messages += a.messages.length;
  return messages;
}

export interface BatchLimits {
  maxMessages: number;
  maxBytes: number;
}

/** A batch of maxMessages is sized for up to this many clients; under a backlog, one serving more grows in proportion. */
export const CLIENTS_PER_FULL_BATCH = 50;
/**
 * How far a backlog batch grows past maxMessages: the byte budget bounds the messages' bytes,
 * this bounds what each message costs besides (its parsed object, its rows).
 */
export const MAX_BACKLOG_GROWTH = 4;

/**
 * How many messages a batch read under a backlog may hold. A client's run costs about as much
 * for a few records as for thousands, so with many clients a batch of maxMessages would give
 * each of them a run of few records: past CLIENTS_PER_FULL_BATCH clients the batch grows with
 * their number (up to MAX_BACKLOG_GROWTH times), so that each client's share stays the same.
 * Never more than the topic holds (`available`), so a batch is not kept open waiting for
 * messages that are not there; never less than maxMessages. maxBytes still bounds every batch.
 */
export function backlogBatchMessages(maxMessages: number, clients: number, available: bigint): number {
  const growth = Math.min(MAX_BACKLOG_GROWTH, Math.max(1, clients / CLIENTS_PER_FULL_BATCH));
  const grown = Math.ceil(maxMessages * growth);
  return available >= BigInt(grown) ? grown : Math.max(maxMessages, Number(available));
}

/**
 * Whether a batch that maxWaitMs would close stays open to read more. While many of the clients'
 * runs are still running, a batch cut now would reach them only once those runs are done, and
 * would cost each of its clients a hand-off and a share of a run of its own, whatever its size;
 * with many clients that cost is what keeps them behind. So the batch keeps filling until the
 * runs are nearly done, it is full, or `holdUntil` (maxWaitMs plus maxHoldMs) has passed.
 * Batches read under a backlog or up to a triggered run's end are read as large as they get
 * already; a read that brought nothing has nothing to hold.
 */
export function holdsBatchOpen(read: {
  backlog: boolean;
  triggered: boolean;
  messages: number;
  full: boolean;
  clientsBusy: boolean;
  now: number;
  holdUntil: number;
}): boolean {
  return !read.backlog && !read.triggered && read.messages > 0 && !read.full && read.clientsBusy && read.now < read.holdUntil;
}

/**
 * Plans a batch over messages already read, so it is bounded by their bytes as well as their
 * count. Takes one message per partition in turn (so one busy partition cannot starve the
 * others) until either limit is reached; a partition whose next message would go over the byte
 * budget takes no more, since a range has no holes. The first message is always taken: one
 * larger than the whole budget is a batch of its own, so no plan can hold more than it can land.
 */
export function planReadAhead(readAhead: ReadonlyMap<number, ReadAhead>, { maxMessages, maxBytes }: BatchLimits): PartitionRange[] {
  const taken = new Map<number, number>();
  let open = [...readAhead.keys()].filter((p) => (readAhead.get(p)?.messages.length ?? 0) > 0).sort((a, b) => a - b);
  let count = 0;
  let bytes = 0;
  while (open.length > 0 && count < maxMessages) {
    const stillOpen: number[] = [];
    for (const p of open) {
      if (count >= maxMessages) break;
      const messages = readAhead.get(p)!.messages;
      const n = taken.get(p) ?? 0;
      const size = messages[n]!.bytes;
      if (count > 0 && bytes + size > maxBytes) continue; // full for this partition
      taken.set(p, n + 1);
      count += 1;
      bytes += size;
      if (n + 1 < messages.length) stillOpen.push(p);
    }
    open = stillOpen;
  }
  return [...taken.entries()]
    .sort(([a], [b]) => a - b)
    .map(([partition, n]) => {
      const ahead = readAhead.get(partition)!;
      return { partition, from: String(ahead.from), until: String(ahead.messages[n - 1]!.offset + 1n) };
    });
}

/** Read-ahead cut at each partition's end (triggered mode's stopAt), so no plan reaches past it. */
export function capReadAhead(ahead: ReadonlyMap<number, ReadAhead>, ends: ReadonlyMap<number, bigint>): Map<number, ReadAhead> {
  return new Map(
    [...ahead].map(([p, a]) => {
      const end = ends.get(p) ?? a.from;
      return [p, { from: a.from, messages: a.messages.filter((m) => m.offset < end) }];
    }),
  );
}

/** Whether the messages read ahead make a full batch. */
export function readAheadFull(ahead: ReadonlyMap<number, ReadAhead>, { maxMessages, maxBytes }: BatchLimits): boolean {
  let count = 0;
  let bytes = 0;
  for (const a of ahead.values()) {
    count += a.messages.length;
    for (const m of a.messages) bytes += m.bytes;
  }
  return count >= maxMessages || bytes >= maxBytes;
}

/** Whether every partition was read up to its end (the last message before it, at least). */
export function readAheadReaches(ahead: ReadonlyMap<number, ReadAhead>, ends: ReadonlyMap<number, bigint>): boolean {
  return [...ends].every(([p, end]) => {
    const a = ahead.get(p);
    const last = a?.messages[a.messages.length - 1];
    return a === undefined || end <= a.from || (last !== undefined && last.offset + 1n >= end);
  });
}

export function nextOffsetsAfter(
  next: PartitionOffsets,
  avail: Map<number, { from: bigint; end: bigint }>,
  ranges: readonly PartitionRange[],
): PartitionOffsets {
  const result: PartitionOffsets = { ...next };
  for (const [partition, { from }] of avail) result[String(partition)] = String(from);
  for (const r of ranges) result[String(r.partition)] = r.until;
  return result;
}

export function rangeSize(ranges: readonly PartitionRange[]): number {
  return ranges.reduce((n, r) => n + Number(BigInt(r.until) - BigInt(r.from)), 0);
}
