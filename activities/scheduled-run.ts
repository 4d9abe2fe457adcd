/**
 * What a scheduled run waits on, done as activities that poll with heartbeats: the run's history
 * stays a handful of events however long the ingest or the client takes, and neither of those
 * workflows needs to know that a schedule drives it.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client, WorkflowHandle } from '@temporalio/client';
import { ask } from '../adapters/temporal/status-query';
import { ErrorType } from '../contract/errors';
import { CLIENT_WORKFLOW_TYPE, clientWorkflowStart } from '../contract/client-workflow';
import { clientWorkflowId, ingestWorkflowId } from '../contract/ids';
import { ingestStatusQuery, pendingThroughQuery, startSignal, statusQuery, stopSignal } from '../contract/messages';
import type { ClientBaseline, ClientRunCounts, CutRef, IngestCut } from '../contract/scheduled-run';
import type { ClientStatus, IngestSettings, PartitionOffsets } from '../contract/types';
import { available, totalAvailable } from '../domain/batch-plan';
import { isValidClientId } from '../domain/client-id';
import type { ActivityDeps } from './deps';
import { guardIngest } from './guards';
import { isRunning } from '../adapters/temporal/describe';

const POLL_MS = 500;

/** Asks a workflow something; null while it cannot answer (between runs, a busy worker), so the caller polls again. */
async function answer<T>(temporal: Client, query: () => Promise<T>): Promise<T | null> {
  const reply = await ask(temporal, true, query);
  return 'value' in reply ? reply.value : null;
}

/** The change of a client's counters since a run began. */
export function runCounts(before: ClientBaseline, after: ClientStatus, pending: number): ClientRunCounts {
  const [b, a] = [before.totals, after.totals];
  return {
    batches: a.batches - b.batches,
    records: a.records - b.records,
    bronze: a.bronze - b.bronze,
    silver: a.silver - b.silver,
    dropped: a.dropped - b.dropped,
    warned: a.warned - b.warned,
    failedBatches: after.failedBatches.filter((id) => !before.failedBatches.includes(id)),
    pending,
    paused: after.paused,
  };
}

const ZERO_TOTALS = { batches: 0, records: 0, bronze: 0, silver: 0, dropped: 0, warned: 0 };

export function createScheduledRunActivities({
  config,
  lakeId,
  temporal,
  offsets,
}: Pick<ActivityDeps, 'config' | 'lakeId' | 'temporal' | 'offsets'>) {
  /** Polls until `probe` returns a value, heartbeating between tries. */
  async function until<T>(probe: () => Promise<T | null>): Promise<T> {
    const ctx = Context.current();
    for (;;) {
      const value = await probe();
      if (value !== null) return value;
      ctx.heartbeat();
      await ctx.sleep(POLL_MS);
    }
  }

  function clientHandle(settings: IngestSettings, clientId: string): WorkflowHandle {
    if (!isValidClientId(clientId)) throw ApplicationFailure.nonRetryable(`invalid client id ${JSON.stringify(clientId)}`, ErrorType.InvalidInput);
    return temporal.workflow.getHandle(clientWorkflowId(settings.workflowIdPrefix, clientId));
  }

  /**
   * Starts the client's workflow, stopped, unless one runs: hand-overs then queue until a run
   * wakes it, so a scheduled client never streams. Whether it had to.
   */
  async function startedStopped(settings: IngestSettings, clientId: string, handle: WorkflowHandle): Promise<boolean> {
    if (await isRunning(handle)) return false;
    await temporal.workflow.signalWithStart(CLIENT_WORKFLOW_TYPE, {
      ...clientWorkflowStart(settings, clientId),
      signal: stopSignal,
      signalArgs: [{ reason: 'runs on a schedule' }],
    });
    return true;
  }

  return {
    async awaitIngestThrough({ settings, until: target }: { settings: IngestSettings; until: PartitionOffsets }): Promise<IngestCut | null> {
      guardIngest({ config, lakeId }, { lakeId: settings.lakeId, topic: settings.topic });
      const handle = temporal.workflow.getHandle(ingestWorkflowId(settings.workflowIdPrefix, settings.topic));
      const ended = Symbol('ended');
      const cut = await until<IngestCut | typeof ended>(async () => {
        if (!(await isRunning(handle))) return ended;
        const status = await answer(temporal, () => handle.query(ingestStatusQuery));
        // Every batch it landed is handed over, and together they reach the target offsets.
        if (status === null || status.phase === 'starting' || status.dispatchedSeq !== status.nextSeq - 1) return null;
        const left = totalAvailable(available(await offsets.watermarks(settings.topic), status.nextOffsets, target));
        return left === 0n ? { seq: status.dispatchedSeq, nextOffsets: status.nextOffsets } : null;
      });
      return cut === ended ? null : cut;
    },

    async clientBaseline({ settings, clientId }: { settings: IngestSettings; clientId: string }): Promise<ClientBaseline> {
      const handle = clientHandle(settings, clientId);
      if (await startedStopped(settings, clientId, handle)) return { totals: { ...ZERO_TOTALS }, failedBatches: [] };
      const { totals, failedBatches } = await until(() => answer(temporal, () => handle.query(statusQuery)));
      return { totals, failedBatches };
    },

    async runClientThrough(input: {
      settings: IngestSettings;
      clientId: string;
      cut: IngestCut;
      baseline: ClientBaseline;
    }): Promise<ClientRunCounts> {
      const { settings, clientId, cut, baseline } = input;
      const handle = clientHandle(settings, clientId);
      // Ended meanwhile (terminated, say): the new one has nothing queued, and the run counts nothing.
      if (await startedStopped(settings, clientId, handle)) return { ...ZERO_TOTALS, failedBatches: [], pending: 0, paused: false };
      const ref: CutRef = { topic: settings.topic, seq: cut.seq };
      const pendingThrough = () => answer(temporal, () => handle.query(pendingThroughQuery, ref));
      const status = () => answer(temporal, () => handle.query(statusQuery));

      if ((await until(pendingThrough)).batches > 0) await handle.signal(startSignal);
      // Stop it once the last batches of the cut are in progress: a stop takes effect after the run
      // in flight, so batches handed over after the cut stay queued for the next run (unless that
      // run took some of them along: they are then processed, once, and counted in this run).
      let woke = false;
      await until(async () => {
        const [pending, now] = [await pendingThrough(), await status()];
        if (pending === null || now === null) return null;
        if (now.state !== 'stopped') woke = true;
        const inFlight = pending.inFlightBatches ?? (pending.inFlight ? 1 : 0);
        const lastInFlight = pending.batches === 0 || (pending.batches === inFlight && inFlight > 0);
        // A paused client runs nothing more, nor does one an operator stopped after it woke: the
        // rest of the cut waits, queued, for the next run.
        const halted = now.paused || (woke && now.state === 'stopped');
        return lastInFlight || (halted && !pending.inFlight) ? true : null;
      });
      await handle.signal(stopSignal, { reason: `scheduled run through batch #${cut.seq} done` });
      const after = await until(async () => {
        const now = await status();
        return now !== null && now.state === 'stopped' && !now.busy ? now : null;
      });
      return runCounts(baseline, after, (await until(pendingThrough)).batches);
    },
  };
}
