/**
 * `alerting`: one per target. Failure and recovery reports arrive by signal (signal-with-start, so
 * whoever reports first starts it); the throttle decides at once, in the signal handler, and the
 * decided alerts wait in an outbox carried across continue-as-new, so a restart neither repeats
 * nor loses an alert. Each alert is one activity per channel with a few attempts; a channel that
 * keeps failing is recorded in pipeline_errors and the workflow goes on. Reporters never wait on
 * any of this.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  uuid4,
} from '@temporalio/workflow';
import type { ActivityOptions } from '@temporalio/workflow';
import type { PipelineActivities } from '../contract/activities';
import type { Alert, AlertingInput } from '../contract/alerts';
import { alertingStateQuery, alertReportSignal } from '../contract/messages';
import { admitReport, initialAlertingState, pruneThrottles } from '../domain/alerts';
import { historyFull } from './history';
import { failureOf } from './lake-steps';
import { bookkeepingProfile } from './profiles';

/** Sending one alert: a few quick attempts, then the channel is recorded as failing. */
export const alertSendProfile: ActivityOptions = {
  startToCloseTimeout: '45 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '10 seconds', maximumAttempts: 3 },
};

const sender = proxyActivities<PipelineActivities>(alertSendProfile);
const bookkeeping = proxyActivities<PipelineActivities>(bookkeepingProfile);

export async function alerting(input: AlertingInput): Promise<void> {
  const { channels, throttleMs } = input;
  const state = input.state ?? initialAlertingState();

  const show = (): void => {
    const failing = [...new Set(Object.entries(state.throttles).flatMap(([key, e]) => (e.failing ? [key.split('/')[1]] : [])))];
    setCurrentDetails(
      [
        `alerts on **${channels.join(', ') || 'no channel'}** · window ${Math.round(throttleMs / 1000)} s`,
        `alerts decided ${state.decided} · to send ${state.outbox.length}`,
        failing.length > 0 ? `failing: ${failing.join(', ')}` : 'no client failing',
      ].join('\n\n'),
    );
  };

  setHandler(alertReportSignal, (report) => {
    // Workflow time and uuid4 are replay-safe: the same decision on every replay.
    admitReport(state, channels, report, { nowMs: Date.now(), throttleMs, reportId: uuid4() });
    show();
  });
  setHandler(alertingStateQuery, () => state);

  show();
  for (;;) {
    await condition(() => state.outbox.length > 0 || (historyFull(input.continueAsNewAfterEvents) && allHandlersFinished()));
    if (historyFull(input.continueAsNewAfterEvents) && allHandlersFinished()) {
      pruneThrottles(state, Date.now(), throttleMs);
      await continueAsNew<typeof alerting>({ ...input, state });
    }
    const sending = [...state.outbox];
    await Promise.all(sending.map(deliver));
    state.outbox = state.outbox.filter((a) => !sending.includes(a));
    show();
  }

  async function deliver(alert: Alert): Promise<void> {
    const about = `${alert.report.kind} of ${alert.report.clientId ?? 'the ingest'}`;
    try {
      await sender.sendAlert.executeWithOptions({ ...alertSendProfile, summary: `${alert.channel}: ${about}` }, [alert]);
    } catch (err) {
      if (isCancellation(err)) throw err;
      const { message } = failureOf(err);
      log.warn('alert channel failed', { channel: alert.channel, alertId: alert.id, message });
      await bookkeeping.recordAlertFailure.executeWithOptions({ ...bookkeepingProfile, summary: `record failed ${alert.channel} alert` }, [
        { alert, error: message },
      ]);
    }
  }
}
