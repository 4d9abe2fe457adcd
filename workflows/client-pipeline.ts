/**
 * `clientPipeline`: one long-running workflow per client. Batches arrive by signal (references
 * into kafka_raw_bronze), queue durably in workflow state, and run through the bronze, silver and
 * gold activities, the batches queued at the time together (client-run.ts). A batch that fails
 * for good is compensated (its partial outputs removed), recorded in pipeline_errors, and kept
 * for replay; later batches go on. A step that only workers of another lake took is no failure:
 * it waits for a worker of the right lake.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import { DEFAULT_COMPACT_AFTER_BATCHES, DEFAULT_RUN_LIMITS } from '../contract/client-workflow';
import { ClientAlerts } from './client-alerts';
import { ClientRunner } from './client-run';
import { ClientRefresh } from './client-refresh';
import { ClientPipelineState } from './client-state';
import {
  batchReadySignal,
  failureSignal,
  pauseSignal,
  pendingThroughQuery,
  refreshUpdate,
  replayBatchesUpdate,
  resumeSignal,
  startSignal,
  statusQuery,
  stopSignal,
} from '../contract/messages';
import { freshnessLine } from '../domain/freshness';
import { historyFull } from './history';
import { handleSettings } from './settings';
import { CLIENT_ID, PIPELINE_STATE } from '../contract/search-attributes';
import type { RefreshRequest } from '../contract/refresh';
import type { ClientPipelineInput, PipelineState, ReplayOutcome, ReplayRequest } from '../contract/types';

/** Replays join one in flight for the same batch, and answer when the client is paused. */
const REPLAY_JOINS_AND_YIELDS_TO_PAUSE = 'replay-joins-and-yields-to-pause';
/** Queued batches run together, one activity per layer for all of them; before, one batch at a time. */
const COALESCED_RUNS = 'coalesced-runs';

/** A topic's high-water mark rises when a batch ran on a real raw batch, not when one is handed over. */
const MARK_WHEN_RUN = 'queue-mark-rises-when-run';

export async function clientPipeline(input: ClientPipelineInput): Promise<void> {
  const { clientId, continueAsNewAfterEvents, lakeId, runLimits } = input;
  // Changed by the applySettings update, from the next batch on.
  let { ruleActions } = input;
  const pipeline = new ClientPipelineState(clientId, input.state);
  const alerts = new ClientAlerts(pipeline);
  const runner = new ClientRunner({ clientId, ruleActions: () => ruleActions, lakeId, pipeline, alerts });
  let publishedState: PipelineState | null = null;
  /** A stop was asked for: it takes effect between batches. */
  let stopping = false;

  const publish = (): void => {
    const state = pipeline.state;
    if (state !== publishedState) {
      upsertSearchAttributes([
        { key: CLIENT_ID, value: clientId },
        { key: PIPELINE_STATE, value: state },
      ]);
      publishedState = state;
    }
    const s = pipeline.status();
    const idle = s.state === 'stopped' ? 'stopped' : s.paused ? 'paused' : 'waiting for batches';
    const now = s.currentBatch ? `processing **${s.currentBatch}**` : idle;
    setCurrentDetails(
      [
        `**${clientId}**: ${now}`,
        `queued ${s.queued} · processed ${s.processed} batches · failed ${s.failed}`,
        `records ${s.totals.records} · bronze ${s.totals.bronze} · silver ${s.totals.silver} · dropped ${s.totals.dropped}`,
        freshnessLine(s),
        s.lastError ? `last error: ${s.lastError}` : '',
      ]
        .filter(Boolean)
        .join('\n\n'),
    );
  };

  setHandler(batchReadySignal, (batch) => {
    if (pipeline.enqueue(batch, { markWhenRun: patched(MARK_WHEN_RUN) })) publish();
  });
  setHandler(pauseSignal, ({ reason }) => {
    pipeline.data.paused = true;
    log.info('client paused', { clientId, reason });
    publish();
  });
  setHandler(resumeSignal, () => {
    pipeline.data.paused = false;
    log.info('client resumed', { clientId });
    publish();
  });
  setHandler(failureSignal, async (report) => {
    const { error, batchId } = report;
    pipeline.data.lastError = batchId ? `${batchId}: ${error}` : error;
    publish();
    await alerts.reported(report);
  });
  setHandler(stopSignal, ({ reason }) => {
    if (pipeline.data.stopped === true) return;
    stopping = true;
    log.info('client stopping', { clientId, reason });
  });
  setHandler(startSignal, () => {
    stopping = false;
    if (pipeline.data.stopped !== true) return;
    pipeline.data.stopped = false;
    log.info('client started', { clientId });
    publish();
  });
  setHandler(statusQuery, () => pipeline.status());
  setHandler(pendingThroughQuery, (cut) => pipeline.pendingThrough(cut));
  handleSettings(
    clientId,
    () => ({ ruleActions }),
    (next) => (ruleActions = next.ruleActions),
  );
  const refresh = new ClientRefresh({
    clientId,
    lakeId,
    ruleActions: () => ruleActions,
    stopped: () => stopping || pipeline.data.stopped === true,
  });
  setHandler(refreshUpdate, (request: RefreshRequest) => refresh.run(request), { validator: (request: RefreshRequest) => refresh.validate(request) });
  setHandler(
    replayBatchesUpdate,
    async (request: ReplayRequest): Promise<ReplayOutcome[]> => {
      // Workflows that replayed before this marker queued a batch once per request and answered
      // only once it had run, even across a pause; their histories must replay the same way.
      const joinsAndYields = patched(REPLAY_JOINS_AND_YIELDS_TO_PAUSE);
      const wanted = request.allFailed ? 'all' : (request.batchIds ?? []);
      const { replaying, unknown } = pipeline.requeueFailed(wanted, { again: !joinsAndYields });
      publish();
      const ids = new Set(replaying.map((f) => f.batchId));
      // A stop answers too: the batches stay queued for the next start.
      await condition(() => stopping || (joinsAndYields ? pipeline.replaySettled(ids) : pipeline.replayRan(ids)));
      return pipeline.replayOutcomes(replaying, unknown);
    },
    {
      validator: (request: ReplayRequest) => {
        if (!request.allFailed && !(request.batchIds && request.batchIds.length > 0)) {
          throw new Error('name batches to replay, or ask for all failed batches');
        }
        if (pipeline.data.paused) throw new Error(`client ${clientId} is paused; resume it before replaying`);
        if (pipeline.data.stopped === true || stopping) throw new Error(`client ${clientId} is stopped; start it before replaying`);
      },
    },
  );

  publish();
  for (;;) {
    // Continue-as-new happens only between batches with no handler running (a replay request
    // answers once its batches ran or the client is paused); all state is in pipeline.data.
    const timeToContinue = (): boolean => historyFull(continueAsNewAfterEvents) && allHandlersFinished();
    const carried = (): ClientPipelineInput => ({
      clientId,
      ruleActions,
      continueAsNewAfterEvents,
      lakeId,
      ...(runLimits ? { runLimits } : {}),
      state: pipeline.data,
    });
    await condition(() => pipeline.canWork || refresh.wantsTurn || timeToContinue() || stopping);
    if (refresh.wantsTurn) {
      // A refresh's plan or switch, in the gap between batches.
      await refresh.takeTurn();
      continue;
    }
    if (stopping) {
      // Stopped between batches: a new run waits with the queue, failed batches and totals.
      stopping = false;
      pipeline.data.stopped = true;
      publish();
      await refresh.takingTurnsUntil(allHandlersFinished);
      await continueAsNew<typeof clientPipeline>(carried());
    }
    if (timeToContinue()) await continueAsNew<typeof clientPipeline>(carried());
    if (patched(COALESCED_RUNS)) {
      const run = pipeline.nextRun(runLimits ?? DEFAULT_RUN_LIMITS);
      if (run.length === 0) continue;
      publish();
      await runner.processRun(run);
      publish();
      await runner.compactIfDue(runLimits?.compactAfterBatches ?? DEFAULT_COMPACT_AFTER_BATCHES, { refreshing: refresh.inProgress });
      continue;
    }
    const batch = pipeline.next();
    if (!batch) continue;
    publish();
    await runner.processBatch(batch);
    publish();
  }
}
