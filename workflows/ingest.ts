/**
 * `ingest`: one per topic. Pulls micro-batches by offset range into kafka_raw_bronze, then hands
 * each client its slice by reference. The Kafka position lives here (and in the lake's batch
 * files); it advances only after a raw batch is durable, so a crash at any point redoes exactly
 * the same batch.
 */
import {
  allHandlersFinished,
  continueAsNew,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { PipelineActivities } from '../contract/activities';
import { ingestTaskQueue } from '../contract/ids';
import { ingestStatusQuery, startSignal, stopSignal } from '../contract/messages';
import { PIPELINE_STATE } from '../contract/search-attributes';
import { historyFull } from './history';
import { reportIngestFailure } from './ingest-alerts';
import { handleSettings } from './settings';
import { dispatchProfile, kafkaProfile } from './profiles';
import type { IngestInput, IngestState, IngestStatus, IngestSummary } from '../contract/types';

/** Workflows from before this marker ran their activities on the deployment's task queue. */
const INGEST_OWN_TASK_QUEUE = 'ingest-own-task-queue';

export async function ingest(input: IngestInput): Promise<IngestSummary> {
  const ownQueue: Partial<ActivityOptions> = patched(INGEST_OWN_TASK_QUEUE) ? { taskQueue: ingestTaskQueue(workflowInfo().taskQueue) } : {};
  const kafka = proxyActivities<PipelineActivities>({ ...kafkaProfile, ...ownQueue });
  const dispatch = proxyActivities<PipelineActivities>({ ...dispatchProfile, ...ownQueue });
  const { settings, mode } = input;
  const { topic } = settings;
  let phase: IngestStatus['phase'] = 'starting';
  let state: IngestState | undefined = input.state;

  const status = (): IngestStatus => ({
    topic,
    mode,
    phase,
    nextSeq: state?.nextSeq ?? 0,
    dispatchedSeq: state?.dispatchedSeq ?? -1,
    batches: state?.batches ?? 0,
    messages: state?.messages ?? 0,
    nextOffsets: state?.nextOffsets ?? {},
    lastBatchAt: state?.lastBatchAt ?? null,
  });
  setHandler(ingestStatusQuery, status);
  // New batch settings apply from the next batch; rule actions reach the clients this ingest starts.
  handleSettings(
    `ingest ${topic}`,
    () => ({ maxMessages: settings.maxMessages, maxWaitMs: settings.maxWaitMs, clients: settings.clients, ruleActions: settings.ruleActions }),
    (next) => Object.assign(settings, next),
  );
  // A stop takes effect once the raw batch in flight is landed and handed over.
  let stopping = false;
  setHandler(stopSignal, ({ reason }) => {
    stopping = true;
    log.info('ingest stopping', { topic, reason });
  });
  setHandler(startSignal, () => {
    stopping = false;
  });
  const show = (): void =>
    setCurrentDetails(
      `**${topic}** (${mode}): ${phase}\n\nbatches ${state?.batches ?? 0} · messages ${state?.messages ?? 0} · next batch #${state?.nextSeq ?? 0}`,
    );

  // First run for this topic, or a fresh start after the old workflow was terminated: the lake
  // knows how far ingestion got.
  const current: IngestState = state ?? (await recover());
  state = current;

  for (;;) {
    if (stopping) {
      phase = 'stopped';
      show();
      upsertSearchAttributes([{ key: PIPELINE_STATE, value: 'stopped' }]);
      return { ...summary(current), stoppedAt: current };
    }
    if (historyFull(settings.continueAsNewAfterEvents)) {
      if (allHandlersFinished()) return continueAsNew<typeof ingest>({ settings, mode, state: current });
    }
    phase = 'polling';
    show();
    const result = await kafka.ingestBatch
      .executeWithOptions({ ...kafkaProfile, summary: `batch #${current.nextSeq} of ${topic}` }, [
        { settings, seq: current.nextSeq, nextOffsets: current.nextOffsets, stopAt: current.stopAt },
      ])
      .catch(async (err: unknown) => {
        // Only a permanent failure gets here (Kafka trouble is retried without limit).
        await reportIngestFailure(err, { topic, seq: current.nextSeq });
        throw err;
      });
    if (result.kind === 'empty') {
      if (current.stopAt !== null) {
        phase = 'done';
        show();
        return summary(current);
      }
      continue;
    }
    current.nextSeq = result.seq + 1;
    current.nextOffsets = result.nextOffsets;
    current.batches += 1;
    current.messages += result.messages;
    current.lastBatchAt = new Date().toISOString();
    await dispatchBatch(current, result.seq);
  }

  function summary(at: IngestState): IngestSummary {
    return { topic, batches: at.batches, messages: at.messages, nextOffsets: at.nextOffsets };
  }

  async function recover(): Promise<IngestState> {
    const recovered = await kafka.recoverIngestPosition({ topic, lakeId: settings.lakeId });
    const stopAt = mode === 'triggered' ? await kafka.endOffsets({ topic }) : null;
    const fresh: IngestState = { ...recovered, batches: 0, messages: 0, lastBatchAt: null, stopAt };
    state = fresh;
    if (recovered.dispatchedSeq < recovered.nextSeq - 1) {
      // The last batch may not have reached every client; handing it over twice is harmless.
      await dispatchBatch(fresh, recovered.nextSeq - 1);
    }
    return fresh;
  }

  async function dispatchBatch(target: IngestState, seq: number): Promise<void> {
    phase = 'dispatching';
    show();
    await dispatch.dispatchBatch.executeWithOptions({ ...dispatchProfile, summary: `hand batch #${seq} to clients` }, [{ settings, seq }]);
    target.dispatchedSeq = seq;
  }
}
