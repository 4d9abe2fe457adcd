/**
 * Alert throttling, per client and channel. Pure, so the alerting workflow can run it
 * deterministically and carry its state across continue-as-new.
 *
 * A first failure alerts at once. Further failures inside the window are folded (counted, not
 * sent); the first failure after the window alerts and says how many it folded. A recovery is sent
 * only after a failure was alerted, and ends the incident: the next failure alerts at once.
 */
import type { Alert, AlertChannel, AlertingState, AlertReport, ThrottleEntry } from '../contract/alerts';

export function initialAlertingState(): AlertingState {
  return { throttles: {}, outbox: [], decided: 0 };
}

export function throttleKey(channel: AlertChannel, clientId: string | null): string {
  return `${channel}/${clientId ?? '*'}`;
}

export interface ThrottleDecision {
  entry: ThrottleEntry;
  /** Send an alert, folding this many earlier failures into it; null: send nothing. */
  send: { folded: number } | null;
}

export function decideAlert(entry: ThrottleEntry | undefined, report: AlertReport, nowMs: number, throttleMs: number): ThrottleDecision {
  const current: ThrottleEntry = entry ?? { lastAlertMs: null, folded: 0, failing: false };
  if (report.kind === 'recovery') {
    if (!current.failing) return { entry: current, send: null };
    return { entry: { lastAlertMs: null, folded: 0, failing: false }, send: { folded: current.folded } };
  }
  const windowOpen = current.lastAlertMs !== null && nowMs - current.lastAlertMs < throttleMs;
  if (windowOpen) return { entry: { ...current, folded: current.folded + 1, failing: true }, send: null };
  return { entry: { lastAlertMs: nowMs, folded: 0, failing: true }, send: { folded: current.folded } };
}

/**
 * Decides a report on every channel: updates the throttles and queues the alerts to send, with
 * ids `<reportId>-<channel>`. Returns the alerts queued.
 */
export function admitReport(
  state: AlertingState,
  channels: readonly AlertChannel[],
  report: AlertReport,
  at: { nowMs: number; throttleMs: number; reportId: string },
): Alert[] {
  const { nowMs, throttleMs } = at;
  const queued: Alert[] = [];
  for (const channel of channels) {
    const key = throttleKey(channel, report.clientId);
    const { entry, send } = decideAlert(state.throttles[key], report, nowMs, throttleMs);
    state.throttles[key] = entry;
    if (send) {
      state.decided += 1;
      const alert: Alert = { id: `${at.reportId}-${channel}`, channel, report, folded: send.folded };
      state.outbox.push(alert);
      queued.push(alert);
    }
  }
  return queued;
}

/**
 * Throttles worth carrying: a client whose incident is over and whose window has passed starts
 * afresh anyway, so its entry can go and the state stays bounded.
 */
export function pruneThrottles(state: AlertingState, nowMs: number, throttleMs: number): void {
  for (const [key, entry] of Object.entries(state.throttles)) {
    const windowPassed = entry.lastAlertMs === null || nowMs - entry.lastAlertMs >= throttleMs;
    if (!entry.failing && entry.folded === 0 && windowPassed) delete state.throttles[key];
  }
}
