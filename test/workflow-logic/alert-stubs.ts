/** Test doubles for the alert activities: they record what they were given; a channel can be made to fail. */
import { ApplicationFailure } from '@temporalio/activity';
import type { AlertActivities } from '../../contract/activities';
import type { Alert, AlertChannel, AlertReport, ReportedFailure } from '../../contract/alerts';

export class AlertStubs {
  readonly reports: AlertReport[] = [];
  readonly recorded: ReportedFailure[] = [];
  readonly sent: Alert[] = [];
  readonly channelFailures: { alert: Alert; error: string }[] = [];
  readonly failing = new Set<AlertChannel>();

  activities(): AlertActivities {
    return {
      reportToAlerting: (report) => {
        this.reports.push(report);
        return Promise.resolve();
      },
      recordReportedFailure: (input) => {
        this.recorded.push(input);
        return Promise.resolve();
      },
      sendAlert: (alert) => {
        if (this.failing.has(alert.channel)) throw ApplicationFailure.create({ message: `${alert.channel} is down`, nextRetryDelay: 10 });
        this.sent.push(alert);
        return Promise.resolve();
      },
      recordAlertFailure: (input) => {
        this.channelFailures.push(input);
        return Promise.resolve();
      },
    };
  }
}
