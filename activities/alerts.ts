/**
 * Alert activities: hand reports to the target's alerting workflow, send one alert on one channel,
 * and record failures reported by signal or by a channel that kept failing. Secrets are read
 * here, at the worker, on every send (so a rotated secret file takes effect) and are redacted from
 * every error this module lets out.
 */
import { ApplicationFailure, log } from '@temporalio/activity';
import { WorkflowIdReusePolicy } from '@temporalio/client';
import { sendEmail } from '../adapters/alerts/email';
import { postWebhook } from '../adapters/alerts/webhook';
import { withConnection, writeRowsOrRemove } from '../adapters/lake/duck';
import { workflowUiUrl } from '../adapters/temporal/client';
import { readSecret } from '../config/secrets';
import type { ResolvedConfig } from '../config/schema';
import { ALERTING_WORKFLOW_TYPE, alertingWorkflowId } from '../contract/alerts';
import type { Alert, AlertChannel, AlertingInput, AlertReport, ReportedFailure } from '../contract/alerts';
import { ErrorType } from '../contract/errors';
import { alertReportSignal } from '../contract/messages';
import { alertText, redact } from '../domain/alert-text';
import { batchId as makeBatchId, LakeLayout, ROUTER_SCOPE } from '../domain/lake-layout';
import type { Layer } from '../domain/lake-layout';
import { ERROR_COLUMNS } from '../domain/tables';
import type { ActivityDeps } from './deps';

const SMTP_PASSWORD = 'SMTP_PASSWORD';
const WEBHOOK_URL = 'ALERT_WEBHOOK_URL';

/** The channels the config turns on, in a fixed order. */
export function enabledChannels(config: ResolvedConfig): AlertChannel[] {
  const { alerts } = config;
  return [
    ...(alerts.log ? (['log'] as const) : []),
    ...(alerts.email ? (['email'] as const) : []),
    ...(alerts.webhook ? (['webhook'] as const) : []),
  ];
}

/** The alerting workflow's input: channel names and the window only, never a host or a secret. */
export function alertingInput(config: ResolvedConfig): AlertingInput {
  return {
    target: config.targetName,
    channels: enabledChannels(config),
    throttleMs: Math.round(config.alerts.throttleMinutes * 60_000),
    continueAsNewAfterEvents: config.temporal.continueAsNewAfterEvents,
  };
}

function secrets(): (string | undefined)[] {
  const safely = (name: string) => {
    try {
      return readSecret(name);
    } catch {
      return undefined;
    }
  };
  return [safely(SMTP_PASSWORD), safely(WEBHOOK_URL)];
}

export function createAlertActivities({ config, db, temporal }: Pick<ActivityDeps, 'config' | 'db' | 'temporal'>) {
  const layout = new LakeLayout(config.lakeDir);

  /** One pipeline_errors row, in a file named after something unique, so a retry rewrites it. */
  async function writeErrorRow(
    layer: Layer,
    clientId: string | null,
    fileId: string,
    row: { table: string; message: string; batchId: string | null },
  ) {
    const now = BigInt(Date.now()) * 1000n;
    await withConnection(db, async (conn) => {
      await writeRowsOrRemove(
        conn,
        'reported_error',
        ERROR_COLUMNS,
        [[now, clientId, layer, row.table, [], row.message, row.batchId, null, null, null, null]],
        layout.errorsFile(layer, clientId ?? ROUTER_SCOPE, fileId),
      );
    });
  }

  async function send(alert: Alert): Promise<void> {
    const text = alertText(alert, config.targetName, workflowUiUrl(config, alert.report.workflowId));
    switch (alert.channel) {
      case 'log':
        log.warn(text.subject, { body: text.body });
        return;
      case 'email': {
        const email = config.alerts.email;
        if (!email) throw ApplicationFailure.nonRetryable('e-mail alerts are not configured on this worker', ErrorType.InvalidInput);
        await sendEmail(email, readSecret(SMTP_PASSWORD), { subject: text.subject, text: text.body });
        return;
      }
      case 'webhook': {
        const url = readSecret(WEBHOOK_URL);
        if (!config.alerts.webhook || !url) {
          throw ApplicationFailure.nonRetryable(
            `webhook alerts need alerts.webhook and ${WEBHOOK_URL} (or ${WEBHOOK_URL}_FILE)`,
            ErrorType.InvalidInput,
          );
        }
        await postWebhook(url, `*${text.subject}*\n${text.body}`, config.alerts.webhook.timeoutMs);
        return;
      }
    }
  }

  return {
    async reportToAlerting(report: AlertReport): Promise<void> {
      await temporal.workflow.signalWithStart<(input: AlertingInput) => Promise<void>, [AlertReport]>(ALERTING_WORKFLOW_TYPE, {
        workflowId: alertingWorkflowId(config.temporal.workflowIdPrefix),
        taskQueue: config.temporal.taskQueue,
        args: [alertingInput(config)],
        signal: alertReportSignal,
        signalArgs: [report],
        workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
        staticSummary: `Alerts of target ${config.targetName}`,
      });
    },

    async recordReportedFailure(input: ReportedFailure): Promise<void> {
      const layer: Layer = input.clientId === null ? 'ingest' : 'signal';
      log.error('failure reported', { clientId: input.clientId, batchId: input.batchId, layer: input.layer, error: input.error });
      await writeErrorRow(layer, input.clientId, input.reportId, {
        table: input.clientId === null ? 'ingest' : 'clientPipeline',
        message: `${input.layer}: ${input.error}`,
        batchId: input.rawBatch ? makeBatchId(input.rawBatch.topic, input.rawBatch.seq) : input.batchId,
      });
    },

    async sendAlert(alert: Alert): Promise<void> {
      try {
        await send(alert);
      } catch (e) {
        if (e instanceof ApplicationFailure) throw e;
        // Rethrown with the secrets removed: this message lands in history and maybe in the lake.
        throw ApplicationFailure.retryable(redact((e as Error).message, secrets()), (e as Error).name);
      }
    },

    async recordAlertFailure({ alert, error }: { alert: Alert; error: string }): Promise<void> {
      const message = redact(`${alert.channel} alert could not be sent: ${error}`, secrets());
      log.error('alert channel failed', { channel: alert.channel, alertId: alert.id, error: message });
      await writeErrorRow('alert', alert.report.clientId, alert.id, {
        table: `alert_${alert.channel}`,
        message,
        batchId: alert.report.kind === 'failure' ? alert.report.batchId : null,
      });
    },
  };
}
