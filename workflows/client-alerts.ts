/**
 * What a client workflow tells the target's alerting workflow: a batch that failed for good, a
 * failure reported to it by signal, and its recovery once no failed batch is left. Reporting is a
 * quick signal-with-start; the client never waits on an alert being sent. Workflow code only.
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure, patched, proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { PipelineActivities } from '../contract/activities';
import type { AlertCounts } from '../contract/alerts';
import type { BatchRef, LayerFailureDetails } from '../contract/types';
import type { ClientPipelineState } from './client-state';
import { bookkeepingProfile, dispatchProfile } from './profiles';

/** Workflows from before this marker raised no alerts and ignored the failure signal's effect. */
export const FAILURES_RAISE_ALERTS = 'failures-raise-alerts';

const MAX_REPORTED_CHARS = 2000;

/** The activity that takes a client run through all three layers. */
const RUN_ACTIVITY: keyof PipelineActivities = 'runClientBatches';

const reporter = proxyActivities<PipelineActivities>(dispatchProfile);
const bookkeeping = proxyActivities<PipelineActivities>(bookkeepingProfile);

/**
 * The layer a failed lake step belongs to. A run through all layers names it in its failure's
 * first detail, or, when it timed out, in its last heartbeat; a one-layer activity by its type
 * (`goldBatch` or `goldBatches` → `gold`).
 */
export function failedLayer(err: unknown): string {
  if (!(err instanceof ActivityFailure)) return 'batch';
  const { cause } = err;
  const named = cause instanceof ApplicationFailure ? cause.details?.[0] : cause instanceof TimeoutFailure ? cause.lastHeartbeatDetails : undefined;
  const layer = (named as Partial<LayerFailureDetails> | null | undefined)?.layer;
  if (typeof layer === 'string') return layer;
  if (err.activityType === RUN_ACTIVITY) return 'bronze, silver or gold';
  return err.activityType ? err.activityType.replace(/Batch(es)?$/, '') : 'batch';
}

export class ClientAlerts {
  constructor(private readonly pipeline: ClientPipelineState) {}

  private counts(records: number): AlertCounts {
    const d = this.pipeline.data;
    return { records, failedBatches: d.failedBatches.length, processedBatches: d.totals.batches };
  }

  private get clientId(): string {
    return this.pipeline.clientId;
  }

  async batchFailed(batch: BatchRef, failure: { layer: string; errorType: string; error: string }): Promise<void> {
    if (!patched(FAILURES_RAISE_ALERTS)) return;
    this.pipeline.data.alertOpen = true;
    await reporter.reportToAlerting.executeWithOptions({ ...dispatchProfile, summary: `alert: ${batch.batchId} failed` }, [
      {
        kind: 'failure',
        clientId: this.clientId,
        workflowId: workflowInfo().workflowId,
        batchId: batch.batchId,
        ...failure,
        counts: this.counts(batch.records),
      },
    ]);
  }

  /** After a batch succeeded: a recovery notice when an alerted failure is now behind the client. */
  async batchSucceeded(): Promise<void> {
    const d = this.pipeline.data;
    if (d.alertOpen !== true || d.failedBatches.length > 0) return;
    d.alertOpen = false;
    await reporter.reportToAlerting.executeWithOptions({ ...dispatchProfile, summary: 'alert: recovered' }, [
      { kind: 'recovery', clientId: this.clientId, workflowId: workflowInfo().workflowId, counts: this.counts(0) },
    ]);
  }

  /** The `failure` signal: one pipeline_errors row, and an alert. */
  async reported({ error, batchId, layer }: { error: string; batchId?: string; layer?: string }): Promise<void> {
    if (!patched(FAILURES_RAISE_ALERTS)) return;
    this.pipeline.data.alertOpen = true;
    // Anyone can send this signal: keep what it carries small and textual.
    error = String(error).slice(0, MAX_REPORTED_CHARS);
    const where = typeof layer === 'string' ? layer.slice(0, 40) : 'signal';
    const batch = typeof batchId === 'string' ? batchId.slice(0, 200) : null;
    const records = this.pipeline.data.failedBatches.find((f) => f.batchId === batchId)?.records ?? 0;
    await bookkeeping.recordReportedFailure.executeWithOptions({ ...bookkeepingProfile, summary: 'record reported failure' }, [
      { clientId: this.clientId, reportId: `signal-${uuid4()}`, error, batchId: batch, layer: where },
    ]);
    await reporter.reportToAlerting.executeWithOptions({ ...dispatchProfile, summary: 'alert: failure reported' }, [
      {
        kind: 'failure',
        clientId: this.clientId,
        workflowId: workflowInfo().workflowId,
        batchId: batch,
        layer: where,
        error,
        errorType: 'ReportedFailure',
        counts: this.counts(records),
      },
    ]);
  }
}
