/**
 * How a client workflow processes its queued batches. A run takes the batches waiting at the head
 * of the queue (within the run limits) through bronze, silver and gold in ONE activity, so a
 * client that fell behind catches up with one activity instead of three per batch. Each
 * batch keeps its own files and its own outcome. A run that fails for good is compensated as a
 * whole and its batches go back to run one at a time, so only a batch that fails on its own is
 * recorded failed. Workflow code only.
 */
import { isCancellation, log, patched, proxyActivities } from '@temporalio/workflow';
import type { PipelineActivities } from '../contract/activities';
import type { BatchRef, ClientRunInput, ClientRunLayers, LayerCounts } from '../contract/types';
import type { RuleActions } from '../contract/rules';
import { failedLayer } from './client-alerts';
import type { ClientAlerts } from './client-alerts';
import type { ClientPipelineState } from './client-state';
import { failureOf, lakeStep } from './lake-steps';
import { bookkeepingProfile, clientRunProfile, compactionProfile, lakeProfile } from './profiles';

/** A run goes through all three layers in one activity; before, one activity per layer. */
const ONE_ACTIVITY_PER_RUN = 'one-activity-per-run';
/** The client's files are compacted between runs; before, never. */
const COMPACTION = 'compaction';

const lake = proxyActivities<PipelineActivities>(lakeProfile);
const bookkeeping = proxyActivities<PipelineActivities>(bookkeepingProfile);
const maintenance = proxyActivities<PipelineActivities>(compactionProfile);

export interface ClientRunContext {
  clientId: string;
  /** The rule actions in force now (an update may change them between runs). */
  ruleActions: () => RuleActions;
  lakeId: string | undefined;
  pipeline: ClientPipelineState;
  alerts: ClientAlerts;
}

/** How a run is named in activity summaries: its batch, or its first and last batch. */
export function runLabel(batches: readonly BatchRef[]): string {
  const first = batches[0]?.batchId ?? 'nothing';
  const last = batches[batches.length - 1]?.batchId ?? first;
  return batches.length <= 1 ? first : `${first} … ${last} (${batches.length} batches)`;
}

const sum = (values: readonly number[]): number => values.reduce((n, v) => n + v, 0);

/** A layer's counts for the batch at `index` of a run (the activity returns one per batch, in order). */
function countsAt(counts: readonly LayerCounts[], index: number, batch: BatchRef): LayerCounts {
  const c = counts[index];
  if (!c) throw new Error(`no layer counts for ${batch.batchId}: the activity returned ${counts.length} for the run`);
  return c;
}

export class ClientRunner {
  /** Batches run since the client's files were last compacted (by this run of the workflow). */
  private sinceCompaction = 0;

  constructor(private readonly ctx: ClientRunContext) {}

  /**
   * Between runs, once `afterBatches` batches ran since the last time (never during a refresh,
   * which reads the live folders): merges the client's per-batch files. A compaction that fails
   * leaves the tables as they were; it is tried again after as many batches more.
   */
  async compactIfDue(afterBatches: number, { refreshing }: { refreshing: boolean }): Promise<void> {
    if (afterBatches <= 0 || this.sinceCompaction < afterBatches || refreshing || !patched(COMPACTION)) return;
    const { clientId, lakeId } = this.ctx;
    this.sinceCompaction = 0;
    try {
      const outcome = await maintenance.compactClientTables.executeWithOptions(
        { ...compactionProfile, summary: `compact the files of ${clientId}` },
        [{ clientId, lakeId }],
      );
      log.info('files compacted', { ...outcome });
    } catch (err) {
      if (isCancellation(err)) throw err;
      log.warn('compaction failed; the files stay as they were', { clientId, ...failureOf(err) });
    }
  }

  /** A run through bronze, silver and gold: one activity, or (workflows from before it) one per layer. */
  private async layers(input: ClientRunInput, label: string): Promise<Pick<ClientRunLayers, 'bronze' | 'silver'>> {
    const records = sum(input.batches.map((b) => b.records));
    if (patched(ONE_ACTIVITY_PER_RUN)) {
      return lakeStep(
        `bronze, silver, gold ${label}: ${records} records`,
        (o) => lake.runClientBatches.executeWithOptions(o, [input]),
        clientRunProfile,
      );
    }
    const bronze = await lakeStep(`bronze ${label}: ${records} records`, (o) => lake.bronzeBatches.executeWithOptions(o, [input]));
    const passed = sum(bronze.map((c) => c.passed));
    const silver = await lakeStep(`silver ${label}: ${passed} records`, (o) => lake.silverBatches.executeWithOptions(o, [input]));
    const kept = sum(silver.map((c) => c.passed));
    await lakeStep(`gold ${label}: ${kept} records`, (o) => lake.goldBatches.executeWithOptions(o, [input]));
    return { bronze, silver };
  }

  /** Runs batches together; on a failure, undoes them all and, if there were several, leaves them to run alone. */
  async processRun(batches: BatchRef[]): Promise<void> {
    const { clientId, lakeId, pipeline, alerts } = this.ctx;
    const ruleActions = this.ctx.ruleActions();
    const input: ClientRunInput = { clientId, batches, ruleActions, lakeId };
    const label = runLabel(batches);
    try {
      const { bronze, silver } = await this.layers(input, label);
      // Every batch's counts first: a run is recorded entirely, or (compensated) not at all.
      const counted = batches.map((batch, i) => ({ batch, bronze: countsAt(bronze, i, batch), silver: countsAt(silver, i, batch) }));
      const at = new Date().toISOString();
      for (const c of counted) pipeline.recordSuccess(c.batch, c.bronze, c.silver, at);
      this.sinceCompaction += batches.length;
    } catch (err) {
      // A cancelled workflow is being stopped, not failing a batch: nothing to compensate.
      if (isCancellation(err)) throw err;
      const { errorType, message } = failureOf(err);
      // Compensate: remove whatever the run wrote, so the tables hold each batch entirely or not at all.
      await bookkeeping.discardClientBatches.executeWithOptions({ ...bookkeepingProfile, summary: `compensate ${label}` }, [input]);
      const [batch] = batches;
      if (batches.length > 1 || !batch) {
        log.warn('run failed; its batches run again one at a time', { clientId, batches: batches.length, first: batch?.batchId, errorType, message });
        pipeline.splitRun();
        return;
      }
      log.warn('batch failed', { clientId, batchId: batch.batchId, errorType, message });
      await bookkeeping.recordBatchFailure.executeWithOptions({ ...bookkeepingProfile, summary: `record failure of ${batch.batchId}` }, [
        { clientId, batch, ruleActions, lakeId, error: message, errorType },
      ]);
      pipeline.recordFailure(batch, { error: message, errorType, failedAt: new Date().toISOString() });
      await alerts.batchFailed(batch, { layer: failedLayer(err), errorType, error: message });
    }
    await alerts.batchSucceeded();
  }

  /** One batch through the single-batch activities: how workflows from before runs process their batches. */
  async processBatch(batch: BatchRef): Promise<void> {
    const { clientId, lakeId, pipeline, alerts } = this.ctx;
    const ruleActions = this.ctx.ruleActions();
    const args = { clientId, batch, ruleActions, lakeId };
    try {
      const bronze = await lakeStep(`bronze ${batch.batchId}: ${batch.records} records`, (o) => lake.bronzeBatch.executeWithOptions(o, [args]));
      const silver = await lakeStep(`silver ${batch.batchId}: ${bronze.passed} records`, (o) => lake.silverBatch.executeWithOptions(o, [args]));
      await lakeStep(`gold ${batch.batchId}: ${silver.passed} records`, (o) => lake.goldBatch.executeWithOptions(o, [args]));
      pipeline.recordSuccess(batch, bronze, silver, new Date().toISOString());
    } catch (err) {
      if (isCancellation(err)) throw err;
      const { errorType, message } = failureOf(err);
      log.warn('batch failed', { clientId, batchId: batch.batchId, errorType, message });
      await bookkeeping.discardClientBatch.executeWithOptions({ ...bookkeepingProfile, summary: `compensate ${batch.batchId}` }, [args]);
      await bookkeeping.recordBatchFailure.executeWithOptions({ ...bookkeepingProfile, summary: `record failure of ${batch.batchId}` }, [
        { ...args, error: message, errorType },
      ]);
      pipeline.recordFailure(batch, { error: message, errorType, failedAt: new Date().toISOString() });
      await alerts.batchFailed(batch, { layer: failedLayer(err), errorType, error: message });
    }
    await alerts.batchSucceeded();
  }
}
