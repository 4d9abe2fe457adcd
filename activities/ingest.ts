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
import { ingestedAtMicros, rangeSize } from '../domain/batch-plan';
import type { BatchPlan } from '../domain/batch-plan';
import { withConnection, writeRowsOrRemove } from '../adapters/lake/duck';
import { writeRawBatchFile } from '../adapters/lake/raw-batch';
import { IngestStore } from '../adapters/lake/ingest-store';
import type { BatchManifest } from '../adapters/lake/ingest-store';
import { LakeLayout, ROUTER_SCOPE } from '../domain/lake-layout';
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
import { batchPlanner } from './ingest-plan';
import { landingAttempt } from './ingest-landings';
import type { LandingAttempt } from './ingest-landings';
import type { RoutedSlices } from './routed-slices';

/** Client hand-offs in flight at once: overlaps the round trips without flooding the Temporal server. */
export const DISPATCH_CONCURRENCY = 16;

/** `handoff`: where the records routed to clients are left for this worker's client runs. */
export function createIngestActivities({ config, db, temporal, offsets, streams, lakeId, clientLoad }: ActivityDeps, handoff?: RoutedSlices) {
  const layout = new LakeLayout(config.lakeDir);
  const store = new IngestStore(layout);

  const planBatch = batchPlanner({ config, offsets, streams, clientLoad }, store);

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
