/**
 * Reading a topic for the ingest: one long-lived kafkajs consumer per topic and worker, reused by
 * every batch and reading ahead (up to a batch's bytes) while the batch before lands.
 *
 * It never commits: the lake's plan files own the position, and every read names the offsets it
 * wants. A partition positioned elsewhere (another worker took the batches in between, the
 * process restarted, a retry re-reads an old plan) is moved there with a seek. kafkajs has no
 * assign(), so the consumer is the only member of a group of its own and is given every
 * partition; it reads only the partitions it was positioned on.
 */
import { randomUUID } from 'node:crypto';
import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import { messagesReadAhead } from '../../domain/batch-plan';
import type { PartitionRange, ReadAhead } from '../../domain/batch-plan';
import { messageBytes } from '../../domain/router';
import type { RawMessage } from '../../domain/router';
import { keptMessage } from './kept-message';
import type { StreamLimits } from './kept-message';

interface Buffered {
  /** Offset the buffer starts at: every message from here up to `end` is in `messages`, in order. */
  start: bigint;
  /** Offset after the last message delivered: where the consumer reads next. */
  end: bigint;
  messages: RawMessage[];
  bytes: number;
}

export class TopicStream {
  private starting: Promise<Consumer> | null = null;
  private readonly buffers = new Map<number, Buffered>();
  private bytes = 0;
  /** Partitions a read is waiting on: they keep reading whatever has been read ahead. */
  private readonly demand = new Set<number>();
  private failure: Error | null = null;
  private readonly waiters = new Set<() => void>();
  /** One read at a time: reads move the consumer's positions. */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly kafka: Kafka,
    readonly topic: string,
    private readonly limits: StreamLimits,
  ) {}

  /**
   * Reads from `positions` (offset per partition) until `full` says the messages read ahead are
   * enough, or `wait.until` has passed with at least one message read (or `wait.atMost` with
   * none); returns each partition's messages (offsets and sizes). With `wait.quietMs`, `until`
   * moves on to that long after each new message read: a read that keeps bringing messages goes
   * on (up to `atMost`), one that stalls ends.
   */
  readAhead(
    positions: ReadonlyMap<number, bigint>,
    full: (ahead: ReadonlyMap<number, ReadAhead>) => boolean,
    wait: { until: number; atMost: number; quietMs?: number },
    cancelled?: AbortSignal,
  ): Promise<Map<number, ReadAhead>> {
    return this.exclusive(async () => {
      const consumer = await this.consumer();
      for (const [partition, from] of positions) this.position(consumer, partition, from);
      let until = wait.until;
      let seen = 0;
      for (;;) {
        const ahead = new Map(
          [...positions.keys()].map((p) => {
            const b = this.buffers.get(p)!;
            return [p, { from: b.start, messages: b.messages.map((m) => ({ offset: BigInt(m.offset), bytes: messageBytes(m) })) }];
          }),
        );
        const read = messagesReadAhead(ahead);
        const now = Date.now();
        if (wait.quietMs !== undefined && read > seen) until = Math.min(Math.max(until, now + wait.quietMs), wait.atMost);
        seen = read;
        if (full(ahead) || (read > 0 && now >= until) || now >= wait.atMost) return ahead;
        // Before `until`, wake for it; after it, only a first message or `atMost` ends the wait.
        await this.change(now < until ? until : wait.atMost, cancelled);
      }
    });
  }

  /** Exactly the messages of the ranges, in offset order per partition; what follows stays read ahead. */
  read(ranges: readonly PartitionRange[], onProgress: (read: number) => void, cancelled?: AbortSignal): Promise<RawMessage[]> {
    return this.exclusive(async () => {
      const consumer = await this.consumer();
      for (const r of ranges) {
        this.position(consumer, r.partition, BigInt(r.from));
        this.demand.add(r.partition);
      }
      try {
        const complete = () => ranges.every((r) => this.buffers.get(r.partition)!.end >= BigInt(r.until));
        while (!complete()) {
          this.flow(consumer);
          onProgress(ranges.reduce((n, r) => n + this.buffers.get(r.partition)!.messages.length, 0));
          await this.change(Number.POSITIVE_INFINITY, cancelled);
        }
        return ranges.flatMap((r) => this.takeUntil(r.partition, BigInt(r.until)));
      } finally {
        for (const r of ranges) this.demand.delete(r.partition);
        if (this.failure === null) this.flow(consumer); // a crashed consumer takes no more orders
      }
    });
  }

  async close(): Promise<void> {
    const starting = this.starting;
    this.starting = null;
    this.buffers.clear();
    // A read still waiting ends now rather than wait on a consumer that is gone.
    this.failure = new Error(`the reader of ${this.topic} was closed`);
    this.notify();
    await starting?.then((c) => c.disconnect()).catch(() => undefined);
  }

  private takeUntil(partition: number, until: bigint): RawMessage[] {
    const b = this.buffers.get(partition)!;
    const cut = b.messages.findIndex((m) => BigInt(m.offset) >= until);
    const taken = cut < 0 ? b.messages : b.messages.slice(0, cut);
    b.messages = cut < 0 ? [] : b.messages.slice(cut);
    const bytes = taken.reduce((n, m) => n + messageBytes(m), 0);
    b.bytes -= bytes;
    this.bytes -= bytes;
    b.start = until;
    return taken;
  }

  /** Makes `from` the partition's next message: kept if already read, else a seek there. */
  private position(consumer: Consumer, partition: number, from: bigint): void {
    const b = this.buffers.get(partition);
    if (b && b.start <= from && from <= b.end) {
      this.takeUntil(partition, from);
      return;
    }
    this.bytes -= b?.bytes ?? 0;
    this.buffers.set(partition, { start: from, end: from, messages: [], bytes: 0 });
    consumer.seek({ topic: this.topic, partition, offset: String(from) });
    this.flow(consumer);
  }

  /** Reads while something waits or the read-ahead budget allows; partitions never positioned stay paused. */
  private flow(consumer: Consumer): void {
    const room = this.bytes < this.limits.readAheadBytes;
    consumer.pause([{ topic: this.topic }]);
    const running = [...this.buffers.keys()].filter((p) => room || this.demand.has(p));
    if (running.length > 0) consumer.resume([{ topic: this.topic, partitions: running }]);
  }

  private deliver(payload: EachBatchPayload, consumer: Consumer): Promise<void> {
    const { batch } = payload;
    const b = this.buffers.get(batch.partition);
    if (!b || payload.isStale()) return Promise.resolve();
    for (const m of batch.messages) {
      const offset = BigInt(m.offset);
      if (offset < b.end) continue; // fetched before a seek took effect
      const kept = keptMessage(batch.partition, m, this.limits);
      b.messages.push(kept);
      b.bytes += messageBytes(kept);
      this.bytes += messageBytes(kept);
      b.end = offset + 1n;
    }
    this.flow(consumer);
    this.notify();
    return Promise.resolve();
  }

  private consumer(): Promise<Consumer> {
    this.starting ??= this.start().catch((e: unknown) => {
      this.starting = null;
      throw e;
    });
    return this.starting;
  }

  private async start(): Promise<Consumer> {
    this.failure = null;
    this.buffers.clear();
    this.bytes = 0;
    const consumer = this.kafka.consumer({
      groupId: `medallion-ingest-${randomUUID()}`,
      sessionTimeout: 30_000,
      heartbeatInterval: 3_000,
      maxWaitTimeInMs: 100,
      maxBytesPerPartition: 4 * 1024 * 1024,
    });
    // After every (re)join kafkajs starts each partition where its group has no offset: put back what was positioned.
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const [partition, b] of this.buffers) consumer.seek({ topic: this.topic, partition, offset: String(b.end) });
      this.flow(consumer);
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) return; // kafkajs rejoins by itself
      this.failure = payload.error;
      this.starting = null;
      this.notify();
      void consumer.disconnect().catch(() => undefined);
    });
    await consumer.connect();
    try {
      // An offset out of range (retention removed it) resets to the earliest one kept, whose
      // messages before the position read are skipped; resetting to the latest would skip unread ones.
      await consumer.subscribe({ topic: this.topic, fromBeginning: true });
      await consumer.run({ autoCommit: false, eachBatch: (payload) => this.deliver(payload, consumer) });
      this.flow(consumer);
    } catch (e) {
      await consumer.disconnect().catch(() => undefined);
      throw e;
    }
    return consumer;
  }

  private notify(): void {
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  /** Waits for the next delivery, the deadline, or a cancellation; a consumer failure is thrown. */
  private async change(deadline: number, cancelled?: AbortSignal): Promise<void> {
    this.throwIfFailed();
    cancelled?.throwIfAborted();
    let timer: NodeJS.Timeout | undefined;
    let wake!: () => void;
    try {
      await new Promise<void>((resolve) => {
        wake = resolve;
        this.waiters.add(wake);
        cancelled?.addEventListener('abort', wake, { once: true });
        // Bounded, so a deadline is noticed even while nothing arrives.
        timer = setTimeout(wake, Math.max(0, Math.min(deadline - Date.now(), 1_000)));
      });
    } finally {
      this.waiters.delete(wake);
      cancelled?.removeEventListener('abort', wake);
      clearTimeout(timer);
    }
    this.throwIfFailed();
    cancelled?.throwIfAborted();
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure;
  }

  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }
}

/** The worker's streams, one per topic, opened on first use and closed with the worker. */
export class TopicStreams {
  private readonly streams = new Map<string, TopicStream>();

  constructor(
    private readonly kafka: Kafka,
    private readonly limits: StreamLimits,
  ) {}

  of(topic: string): TopicStream {
    let stream = this.streams.get(topic);
    if (!stream) {
      stream = new TopicStream(this.kafka, topic, this.limits);
      this.streams.set(topic, stream);
    }
    return stream;
  }

  async close(): Promise<void> {
    await Promise.all([...this.streams.values()].map((s) => s.close()));
    this.streams.clear();
  }
}
