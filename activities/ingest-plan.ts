/**
 * Planning an ingest batch: reading ahead until a batch's worth of messages is in hand (or long
 * enough has passed), then fixing its offset ranges in the plan file, the first of the batch's
 * three durable steps (see ingest.ts).
 */
import { ApplicationFailure } from '@temporalio/activity';
import { ErrorType } from '../contract/errors';
import {
  available,
  backlogBatchMessages,
  capReadAhead,
  holdsBatchOpen,
  messagesReadAhead,
  nextOffsetsAfter,
  planReadAhead,
  readAheadFull,
  readAheadReaches,
  totalAvailable,
} from '../domain/batch-plan';
import type { BatchPlan, ReadAhead } from '../domain/batch-plan';
import { batchId as makeBatchId } from '../domain/lake-layout';
import { readDiscoveredClients } from '../adapters/lake/client-registry';
import type { IngestStore } from '../adapters/lake/ingest-store';
import type { IngestBatchInput, IngestSettings } from '../contract/types';
import type { ActivityDeps } from './deps';
import { HOLD_RECHECK_MS } from './client-load';

const POLL_INTERVAL_MS = 200;
/**
 * How long one ingest activity waits for a first message on an idle topic. Waiting here, with
 * heartbeats, instead of returning every maxWaitMs keeps an idle ingest's history nearly still.
 */
const IDLE_WAIT_MS = 20_000;
/** Under a backlog, a read that brings nothing for this long (or maxWaitMs, if longer) has stalled: the batch closes. */
const BACKLOG_QUIET_MS = 1_000;

/** Plans the batch `input.seq`, or returns its plan if one was made already; null when nothing is there to plan. */
export function batchPlanner(
  { config, offsets, streams, clientLoad }: Pick<ActivityDeps, 'config' | 'offsets' | 'streams' | 'clientLoad'>,
  store: IngestStore,
) {
  /** The clients a batch may be for: the known ones and those discovered so far. */
  async function servedClients(settings: IngestSettings): Promise<number> {
    const discovered = settings.clients.autoDiscover ? await readDiscoveredClients(config.lakeDir) : [];
    return new Set([...settings.clients.known, ...discovered]).size;
  }

  return async function planBatch(
    input: IngestBatchInput,
    beat: (d: Record<string, unknown>) => void,
    cancelled: AbortSignal,
  ): Promise<BatchPlan | null> {
    const { settings, seq, nextOffsets, stopAt } = input;
    const existing = await store.readPlan(settings.topic, seq);
    if (existing) return existing;
    // Only the batch after the newest done one is ever new. An older one without files is an
    // attempt that outlived its batch (whose files were pruned): planning it again would land
    // other offsets under an old batch id.
    const newest = await store.newestDone(settings.topic);
    if (newest >= seq) {
      throw ApplicationFailure.nonRetryable(
        `batch #${seq} of ${settings.topic} has no plan, and the newest done batch is #${newest}: a stale attempt`,
        ErrorType.InvalidInput,
      );
    }

    const refresh = async () => available(await offsets.watermarks(settings.topic), nextOffsets, stopAt);
    const pause = async () => {
      await new Promise((r) => setTimeout(r, POLL_INTERVAL_MS));
      cancelled.throwIfAborted();
    };
    let avail = await refresh();
    if (stopAt !== null && totalAvailable(avail) === 0n) return null; // triggered: nothing left
    // Idle topic: wait for a first message (bounded, so the workflow keeps control).
    const idleDeadline = Date.now() + IDLE_WAIT_MS;
    while (totalAvailable(avail) === 0n && Date.now() < idleDeadline) {
      beat({ waiting: 'for messages' });
      await pause();
      avail = await refresh();
    }
    if (totalAvailable(avail) === 0n) return null;
    // Micro-batch: read ahead until a full batch (by count or bytes) is in hand, or for up to
    // maxWaitMs (under a backlog, see below, until reading stalls), and plan over what was read:
    // its sizes are known before the plan is fixed. (In triggered mode nothing beyond stopAt
    // will come, so reaching it is enough.)
    //
    // When the topic already holds a full batch's count of messages, the batch is read full
    // rather than closed after maxWaitMs: the messages are there, only reading them takes time,
    // and a batch cut short costs every client in it a run of its own (for the same reason a
    // batch for many clients holds more, see backlogBatchMessages). It still closes once nothing
    // more comes for a while (a read-ahead paused at its byte budget by messages past a triggered
    // run's end, offsets that are transaction markers rather than messages).
    const backlog = totalAvailable(avail) >= BigInt(settings.maxMessages);
    const limits = {
      maxMessages: backlog ? backlogBatchMessages(settings.maxMessages, await servedClients(settings), totalAvailable(avail)) : settings.maxMessages,
      maxBytes: config.batch.maxBytes,
    };
    const ends = new Map([...avail].map(([p, a]) => [p, a.end]));
    const within = (ahead: ReadonlyMap<number, ReadAhead>) => (stopAt === null ? ahead : capReadAhead(ahead, ends));
    beat({ waiting: 'for a full batch' });
    const positions = new Map([...avail].map(([p, a]) => [p, a.from]));
    const full = (read: ReadonlyMap<number, ReadAhead>) => readAheadFull(within(read), limits) || (stopAt !== null && readAheadReaches(read, ends));
    // A first read may wait for the consumer to join its group; the watermarks promise messages.
    const atMost = Date.now() + IDLE_WAIT_MS;
    const until = Date.now() + settings.maxWaitMs;
    const wait = backlog ? { until, atMost, quietMs: Math.max(settings.maxWaitMs, BACKLOG_QUIET_MS) } : { until, atMost };
    const stream = streams.of(settings.topic);
    let ahead = await stream.readAhead(positions, full, wait, cancelled);
    const holdUntil = until + config.batch.maxHoldMs;
    const holding = () =>
      holdsBatchOpen({
        backlog,
        triggered: stopAt !== null,
        messages: messagesReadAhead(ahead),
        full: full(ahead),
        clientsBusy: clientLoad?.busy() ?? false,
        now: Date.now(),
        holdUntil,
      });
    while (holding()) {
      beat({ waiting: 'for the clients to catch up' });
      const recheck = Math.min(Date.now() + HOLD_RECHECK_MS, holdUntil);
      ahead = await stream.readAhead(positions, full, { until: recheck, atMost: recheck }, cancelled);
    }
    const ranges = planReadAhead(within(ahead), limits);
    if (ranges.length === 0) return null;
    const plan: BatchPlan = {
      topic: settings.topic,
      seq,
      batchId: makeBatchId(settings.topic, seq),
      ranges,
      nextOffsets: nextOffsetsAfter(nextOffsets, avail, ranges),
      plannedAt: new Date().toISOString(),
    };
    // Two attempts may race here (a timed-out one still running); the first plan wins.
    return store.createPlan(plan);
  };
}
