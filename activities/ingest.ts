/**
 * Ingest activities: plan and land raw batches, hand them to client workflows, and recover the
 * Kafka position from the lake.
 *
 * A batch is committed in three durable steps, each safe to repeat:
 *   1. plan file  (created once; fixes the batch's offset ranges forever)
 *   2. raw Parquet, router errors and metrics (deterministic content, write-then-rename)
 *   3. done file  (the batch is complete; its result is read back on any retry)
 * The newest done file is the durable Kafka position; files of batches far behind it are pruned.
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import { ErrorType } from '../contract/errors';
import {
  available,
  backlogBatchMessages,
  capReadAhead,
  holdsBatchOpen,
  ingestedAtMicros,
  nextOffsetsAfter,
  planReadAhead,
  rangeSize,
  readAheadFull,
  readAheadReaches,
  totalAvailable,
} from '../domain/batch-plan';
import type { BatchPlan, ReadAhead } from '../domain/batch-plan';
import { withConnection, writeRowsOrRemove } from '../adapters/lake/duck';
import { writeRawBatchFile } from '../adapters/lake/raw-batch';
import { IngestStore } from '../adapters/lake/ingest-store';
import type { BatchManifest } from '../adapters/lake/ingest-store';
import { batchId as makeBatchId, LakeLayout, ROUTER_SCOPE } from '../domain/lake-layout';
import { mapBounded } from '../domain/concurrency';
import { routeBatch } from '../domain/router';
import { ClientAdmission } from '../domain/client-admission';
import { addDiscoveredClients, readDiscoveredClients } from '../adapters/lake/client-registry';
import { ERROR_COLUMNS, METRIC_COLUMNS } from '../domain/tables';
import { CLIENT_WORKFLOW_TYPE, clientWorkflowStart } from '../contract/client-workflow';
import { batchReadySignal } from '../contract/messages';
import type { IngestBatchInput, IngestBatchResult, IngestSettings, PartitionOffsets } from '../contract/types';
import { guardIngest } from './guards';
import type { ActivityDeps } from './deps';
import { whileHeartbeating } from './heartbeat';
import { HOLD_RECHECK_MS } from './client-load';
import { landingAttempt } from './ingest-landings';
import type { LandingAttempt } from './ingest-landings';
import type { RoutedSlices } from './routed-slices';

const POLL_INTERVAL_MS = 200;
/** Client hand-offs in flight at once: overlaps the round trips without flooding the Temporal server. */
export const DISPATCH_CONCURRENCY = 16;
/**
 * How long one ingest activity waits for a first message on an idle topic. Waiting here, with
 * heartbeats, instead of returning every maxWaitMs keeps an idle ingest's history nearly still.
 */
const IDLE_WAIT_MS = 20_000;
/** Under a backlog, a read that brings nothing for this long (or maxWaitMs, if longer) has stalled: the batch closes. */
const BACKLOG_QUIET_MS = 1_000;

/** `handoff`: where the records routed to clients are left for this worker's client runs. */
export function createIngestActivities({ config, db, temporal, offsets, streams, lakeId, clientLoad }: ActivityDeps, handoff?: RoutedSlices) {
  const layout = new LakeLayout(config.lakeDir);
  const store = new IngestStore(layout);

  /** The clients a batch may be for: the known ones and those discovered so far. */
  async function servedClients(settings: IngestSettings): Promise<number> {
    const discovered = settings.clients.autoDiscover ? await readDiscoveredClients(config.lakeDir) : [];
    return new Set([...settings.clients.known, ...discovered]).size;
  }

  async function planBatch(input: IngestBatchInput, beat: (d: Record<string, unknown>) => void, cancelled: AbortSignal): Promise<BatchPlan | null> {
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
        messages: [...ahead.values()].reduce((n, a) => n + a.messages.length, 0),
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
  }

  async function landBatch(settings: IngestSettings, plan: BatchPlan, attempt: LandingAttempt, cancelled: AbortSignal): Promise<BatchManifest> {
    attempt.failIfExhausted(plan);
    const messages = await streams.of(plan.topic).read(plan.ranges, (read) => attempt.beat({ read }), cancelled);
    // From here on, an attempt that ends without a done file counts against the batch.
    attempt.landing();
    const count = messages.length;
    if (count !== rangeSize(plan.ranges)) {
      // Offsets inside a range can be missing only if the topic is compacted or transactional.
      log.warn('batch holds fewer messages than its offset ranges', {
        batchId: plan.batchId,
        expected: rangeSize(plan.ranges),
        read: count,
      });
    }
    const discovered = await readDiscoveredClients(config.lakeDir);
    const clients = new ClientAdmission({ ...settings.clients, discovered, maxDiscovered: config.clients.maxDiscovered });
    const routed = routeBatch(messages, {
      topic: plan.topic,
      batchId: plan.batchId,
      ingestedAtMicros: ingestedAtMicros(plan),
      clients,
      ruleActions: settings.ruleActions,
      maxMessageBytes: config.limits.maxMessageBytes,
      rawValueChars: config.limits.rawValueChars,
    });
    messages.length = 0; // the rows hold the values now: let the buffers go before staging copies them
    const rawFile = layout.rawFile(plan.topic, plan.batchId);
    let rawIdentity: string | null = null;
    await withConnection(db, async (conn) => {
      rawIdentity = (await writeRawBatchFile(conn, routed.rawRows, rawFile)).identity;
      await writeRowsOrRemove(conn, 'router_errors', ERROR_COLUMNS, routed.errorRows, layout.errorsFile('bronze', ROUTER_SCOPE, plan.batchId));
      await writeRowsOrRemove(conn, 'router_metrics', METRIC_COLUMNS, routed.metricRows, layout.metricsFile('bronze', ROUTER_SCOPE, plan.batchId));
    });
    // Before the done file, so a retry of this batch sees the clients it admitted as admitted.
    await addDiscoveredClients(config.lakeDir, discovered, clients.newlyDiscovered());
    const manifest: BatchManifest = {
      topic: plan.topic,
      seq: plan.seq,
      batchId: plan.batchId,
      ranges: plan.ranges,
      nextOffsets: plan.nextOffsets,
      messages: count,
      unroutable: routed.unroutable,
      clients: routed.clientCounts,
      clientOldestAt: routed.clientOldestAt,
      completedAt: new Date().toISOString(),
    };
    await store.writeDone(manifest);
    // For the file this attempt wrote: one written by another attempt since is not stood in for.
    if (rawIdentity !== null) handoff?.offer(rawFile, rawIdentity, routed.clientRecords);
    return manifest;
  }

  return {
    /** Lands the next raw batch of a topic (or reports that none is available yet). */
    async ingestBatch(input: IngestBatchInput): Promise<IngestBatchResult> {
      guardIngest({ config, lakeId }, { lakeId: input.settings.lakeId, topic: input.settings.topic, seq: input.seq });
      // Sent again at once, so an attempt that dies early still passes the count on.
      const carried = Context.current().info.heartbeatDetails as unknown;
      return whileHeartbeating(
        async (beat, cancelled) => {
          const attempt = landingAttempt(beat);
          const done = await store.readDone(input.settings.topic, input.seq);
          const manifest =
            done ??
            (await planBatch(input, attempt.beat, cancelled).then((plan) => (plan ? landBatch(input.settings, plan, attempt, cancelled) : null)));
          if (!manifest) return { kind: 'empty' };
          // Housekeeping: the batch is done whether or not old files could be removed.
          await store.prune(manifest.topic, manifest.seq, cancelled).catch((e: unknown) => {
            log.warn('could not prune old ingest files', { topic: manifest.topic, error: String(e) });
          });
          offsets.commitGroupOffsetsInBackground(
            config.target.consumerGroup,
            manifest.topic,
            manifest.ranges.map((r) => ({ partition: r.partition, offset: r.until })),
          );
          return {
            kind: 'batch',
            seq: manifest.seq,
            batchId: manifest.batchId,
            nextOffsets: manifest.nextOffsets,
            messages: manifest.messages,
            clients: Object.keys(manifest.clients).length,
            unroutable: manifest.unroutable,
          };
        },
        { details: carried },
      );
    },

    /** Starts or signals the workflow of every client in a landed batch. Safe to repeat. */
    async dispatchBatch({ settings, seq }: { settings: IngestSettings; seq: number }): Promise<number> {
      guardIngest({ config, lakeId }, { lakeId: settings.lakeId, topic: settings.topic, seq });
      const manifest = await store.readDone(settings.topic, seq);
      if (!manifest) throw ApplicationFailure.nonRetryable(`batch #${seq} of ${settings.topic} has no done file`, ErrorType.RawBatchMissing);
      const clients = Object.entries(manifest.clients).sort(([a], [b]) => a.localeCompare(b));
      const ctx = Context.current();
      let handed = 0;
      // In parallel: one round trip per client, one after another, made a batch for 100 clients
      // take seconds. A retry hands the batch to every client again; each drops a seq it already queued.
      await mapBounded(
        clients,
        DISPATCH_CONCURRENCY,
        async ([clientId, records]) => {
          await temporal.workflow.signalWithStart(CLIENT_WORKFLOW_TYPE, {
            ...clientWorkflowStart(settings, clientId),
            signal: batchReadySignal,
            signalArgs: [
              { topic: manifest.topic, seq: manifest.seq, batchId: manifest.batchId, records, producedAt: manifest.clientOldestAt?.[clientId] },
            ],
          });
          handed += 1;
          ctx.heartbeat({ handed, of: clients.length });
        },
        { signal: ctx.cancellationSignal },
      );
      return handed;
    },

    /** Where ingestion of a topic stands according to the lake (the durable Kafka position). */
    async recoverIngestPosition({
      topic,
      lakeId: expectedLake,
    }: {
      topic: string;
      lakeId?: string;
    }): Promise<{ nextSeq: number; nextOffsets: PartitionOffsets; dispatchedSeq: number }> {
      guardIngest({ config, lakeId }, { lakeId: expectedLake, topic });
      const lastDone = await store.newestDone(topic);
      const manifest = lastDone >= 0 ? await store.readDone(topic, lastDone) : null;
      // Only a prune could remove it, and prunes never remove the newest: rather stop than restart from offset 0.
      if (lastDone >= 0 && !manifest) throw new Error(`done file of batch #${lastDone} of ${topic} vanished while recovering`);
      // A plan without a done file (crash mid-batch) is redone as the next batch: same ranges.
      // The last done batch may not have reached every client, so it counts as not dispatched.
      return { nextSeq: lastDone + 1, nextOffsets: manifest?.nextOffsets ?? {}, dispatchedSeq: lastDone >= 0 ? lastDone - 1 : -1 };
    },

    /** Current end of every partition: where a triggered run stops. */
    async endOffsets({ topic }: { topic: string }): Promise<PartitionOffsets> {
      guardIngest({ config, lakeId }, { topic });
      return Object.fromEntries((await offsets.watermarks(topic)).map((w) => [String(w.partition), String(w.high)]));
    },
  };
}
