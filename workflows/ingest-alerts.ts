/**
 * A raw batch the ingest could not land for good (the ingest fails with it): one pipeline_errors
 * row and an alert, before the failure ends the workflow. Workflow code only.
 */
import { isCancellation, patched, proxyActivities, uuid4, workflowInfo } from '@temporalio/workflow';
import type { PipelineActivities } from '../contract/activities';
import { failureOf } from './lake-steps';
import { bookkeepingProfile, dispatchProfile } from './profiles';

/** Ingest workflows from before this marker failed without a row or an alert. */
const INGEST_FAILURES_RAISE_ALERTS = 'ingest-failures-raise-alerts';

const reporter = proxyActivities<PipelineActivities>(dispatchProfile);
const bookkeeping = proxyActivities<PipelineActivities>(bookkeepingProfile);

export async function reportIngestFailure(err: unknown, at: { topic: string; seq: number }): Promise<void> {
  if (isCancellation(err) || !patched(INGEST_FAILURES_RAISE_ALERTS)) return;
  const { errorType, message } = failureOf(err);
  const batch = `#${at.seq} of ${at.topic}`;
  await bookkeeping.recordReportedFailure.executeWithOptions({ ...bookkeepingProfile, summary: `record failure of ${batch}` }, [
    { clientId: null, reportId: `ingest-${uuid4()}`, error: `${errorType}: ${message}`, batchId: null, rawBatch: at, layer: 'ingest' },
  ]);
  await reporter.reportToAlerting.executeWithOptions({ ...dispatchProfile, summary: `alert: ${batch} failed` }, [
    {
      kind: 'failure',
      clientId: null,
      workflowId: workflowInfo().workflowId,
      batchId: batch,
      layer: 'ingest',
      error: message,
      errorType,
      counts: { records: 0, failedBatches: 1, processedBatches: 0 },
    },
  ]);
}
