/**
 * Alerts as they cross the workflow boundary: failure and recovery reports sent to a target's
 * alerting workflow, the alerts it decides to send, and its carried throttle state. Channels are
 * named only; hosts, recipients and secrets stay with the worker.
 */

export const ALERT_CHANNELS = ['log', 'email', 'webhook'] as const;
export type AlertChannel = (typeof ALERT_CHANNELS)[number];

export const ALERTING_WORKFLOW_TYPE = 'alerting';

/** One alerting workflow per target (workflow id prefix): it holds the throttle state. */
export function alertingWorkflowId(prefix: string): string {
  return `${prefix}-alerts`;
}

export interface AlertCounts {
  /** Records in the failed batch (0 when no batch is named). */
  records: number;
  /** The client's batches that are failed and not yet replayed. */
  failedBatches: number;
  processedBatches: number;
}

interface ReportBase {
  /** Null when no client is concerned (the ingest of the whole topic). */
  clientId: string | null;
  /** The workflow to link to. */
  workflowId: string;
  counts: AlertCounts;
}

export interface FailureReport extends ReportBase {
  kind: 'failure';
  batchId: string | null;
  /** Where it failed: bronze, silver, gold, ingest, or what an outside sender says. */
  layer: string;
  error: string;
  errorType: string;
}

export interface RecoveryReport extends ReportBase {
  kind: 'recovery';
}

export type AlertReport = FailureReport | RecoveryReport;

/** What one channel sends: a report, plus how many failures were folded into it. */
export interface Alert {
  /** Unique per alert and channel, so a retried send or error row is the same one. */
  id: string;
  channel: AlertChannel;
  report: AlertReport;
  /** Failures of this client not alerted on this channel since its previous alert. */
  folded: number;
}

/** Throttle of one client on one channel. */
export interface ThrottleEntry {
  /** Workflow time (ms) of the last failure alert sent; null once recovered. */
  lastAlertMs: number | null;
  folded: number;
  /** A failure was alerted and no recovery has been sent since. */
  failing: boolean;
}

export interface AlertingState {
  /** Keyed by `<channel>/<client>` (client `*` for reports that name none). */
  throttles: Record<string, ThrottleEntry>;
  /** Alerts decided and not yet sent. */
  outbox: Alert[];
  /** Alerts decided so far. */
  decided: number;
}

export interface AlertingInput {
  /** Target name, shown in the alert's subject. */
  target: string;
  channels: AlertChannel[];
  throttleMs: number;
  continueAsNewAfterEvents?: number;
  state?: AlertingState;
}

/** A failure reported by signal (an operator or an outside monitor), or by the ingest. */
export interface ReportedFailure {
  /** Null for a failure of the whole topic's ingest. */
  clientId: string | null;
  /** Unique per report, so a retried write is the same row. */
  reportId: string;
  error: string;
  batchId: string | null;
  /** A raw batch of the ingest, named by topic and sequence (its id is the lake's to spell). */
  rawBatch?: { topic: string; seq: number };
  layer: string;
}
