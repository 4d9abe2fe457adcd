/**
 * `scheduledRun`: one run of a client's Temporal Schedule (`pipeline schedule ID --every …`), for
 * clients that need no streaming. It takes the topic's end offsets, makes sure the ingest lands
 * and hands over everything up to them (waiting for a running ingest, or running a triggered one
 * as a child), then lets the client's workflow process its queue up to that cut and stops it
 * again, so the client streams nothing between runs. Batches handed over later wait, queued, for
 * the next run: each run processes what arrived since the previous one, exactly once.
 */
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import { ApplicationFailure, executeChild, ParentClosePolicy, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { PipelineActivities } from '../contract/activities';
import { ErrorType } from '../contract/errors';
import { ingestWorkflowId } from '../contract/ids';
import type { IngestCut, ScheduledRunInput, ScheduledRunSummary } from '../contract/scheduled-run';
import type { PartitionOffsets } from '../contract/types';
import type { ingest } from './ingest';
import { kafkaProfile, watchProfile } from './profiles';

const kafka = proxyActivities<PipelineActivities>(kafkaProfile);
const watch = proxyActivities<PipelineActivities>(watchProfile);

export async function scheduledRun({ clientId, settings }: ScheduledRunInput): Promise<ScheduledRunSummary> {
  const { topic, lakeId } = settings;
  const startedAt = new Date().toISOString();
  const show = (what: string): void => setCurrentDetails(`**${clientId}** (scheduled run on ${topic}): ${what}`);

  show('reading the end of the topic');
  // Counted from before the ingest, which may hand the client batches (a client without a workflow gets one here, stopped).
  const baseline = await watch.clientBaseline({ settings, clientId });
  const until = await kafka.endOffsets({ topic });
  const from = (await kafka.recoverIngestPosition({ topic, lakeId })).nextOffsets;
  show('ingesting up to the end offsets present at start');
  const cut = await ingestThrough(until);
  show(`processing batches up to #${cut.seq}`);
  const counts = await watch.runClientThrough.executeWithOptions({ ...watchProfile, summary: `run ${clientId} through batch #${cut.seq}` }, [
    { settings, clientId, cut, baseline },
  ]);
  const summary: ScheduledRunSummary = {
    ...counts,
    clientId,
    topic,
    startedAt,
    finishedAt: new Date().toISOString(),
    offsets: { from, until, through: cut.nextOffsets },
    throughSeq: cut.seq,
  };
  show(
    `done: ${counts.batches} batches, ${counts.records} records, silver ${counts.silver}, dropped ${counts.dropped}, failed ${counts.failedBatches.length}`,
  );
  return summary;

  /** The cut: a running ingest's position once it passed `until`, or where a triggered ingest stopped. */
  async function ingestThrough(target: PartitionOffsets): Promise<IngestCut> {
    for (;;) {
      const running = await watch.awaitIngestThrough.executeWithOptions({ ...watchProfile, summary: `wait for the ingest of ${topic}` }, [
        { settings, until: target },
      ]);
      if (running) return running;
      try {
        const result = await executeChild<typeof ingest>('ingest', {
          workflowId: ingestWorkflowId(settings.workflowIdPrefix, topic),
          args: [{ settings, mode: 'triggered' }],
          // The ingest is the topic's, shared by every client: it finishes its run whatever becomes of this one.
          parentClosePolicy: ParentClosePolicy.ABANDON,
          memo: { lakeId },
          staticSummary: `Ingest of topic ${topic} (triggered by the schedule of ${clientId})`,
        });
        if (result.stoppedAt)
          throw ApplicationFailure.nonRetryable(
            `the ingest of ${topic} was stopped by an operator before it reached the end offsets`,
            ErrorType.IngestStopped,
          );
      } catch (e) {
        // Another run (or `pipeline start`) started the ingest first: wait for that one instead.
        if (e instanceof WorkflowExecutionAlreadyStartedError) continue;
        throw e;
      }
      // A triggered ingest completes only after handing over its last batch: the lake's newest batch is the cut.
      const position = await kafka.recoverIngestPosition({ topic, lakeId });
      return { seq: position.nextSeq - 1, nextOffsets: position.nextOffsets };
    }
  }
}
