/**
 * The config's settings sent to running workflows (`pipeline config apply`, and `pipeline start`
 * for workflows that already ran): each takes them from its next batch and answers what changed.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Client } from '@temporalio/client';
import type { ResolvedConfig } from '../../config/schema';
import { assertClientIds } from './client-signals';
import { deploymentClients } from './status';
import { clientWorkflowId, ingestWorkflowId } from '../../contract/ids';
import { applySettingsUpdate, settingsQuery } from '../../contract/messages';
import type { SettingChange, SettingsPatch } from '../../contract/settings';
import { settingChanges } from '../../domain/settings';
import type { HeldSettings } from '../../domain/settings';

export interface AppliedSettings {
  kind: 'ingest' | 'client';
  workflowId: string;
  /** `no answer`: no worker took the update in time; run `pipeline config apply` once one runs. */
  outcome: 'changed' | 'unchanged' | 'not running' | 'no answer';
  changes: SettingChange[];
}

/** How long a workflow has to answer (a worker must be running). */
const ANSWER_MS = 20_000;

/** gRPC DEADLINE_EXCEEDED (code 4), however the client wrapped it. */
function deadlineExceeded(e: unknown): boolean {
  for (let err = e as { code?: unknown; cause?: unknown; message?: unknown } | undefined; err; err = err.cause as typeof err) {
    if (err.code === 4 || (typeof err.message === 'string' && /deadline exceeded/i.test(err.message))) return true;
  }
  return false;
}

export const clientSettingsOf = (config: ResolvedConfig): SettingsPatch => ({ ruleActions: config.ruleActions });

export const ingestSettingsOf = (config: ResolvedConfig): SettingsPatch => ({
  ruleActions: config.ruleActions,
  maxMessages: config.batch.maxMessages,
  maxWaitMs: config.batch.maxWaitMs,
  clients: { known: config.clients.known, autoDiscover: config.clients.autoDiscover },
});

export interface SettingsTarget {
  kind: AppliedSettings['kind'];
  workflowId: string;
  patch: SettingsPatch;
}

/**
 * Sends each target its settings. `onlyIfDifferent` asks the workflow first and sends nothing
 * when it already runs with them, so a repeated start leaves no update in history.
 */
export async function applySettings(
  temporal: Client,
  targets: readonly SettingsTarget[],
  { onlyIfDifferent = false } = {},
): Promise<AppliedSettings[]> {
  return Promise.all(
    targets.map(async ({ kind, workflowId, patch }): Promise<AppliedSettings> => {
      const handle = temporal.workflow.getHandle(workflowId);
      const result = (outcome: AppliedSettings['outcome'], changes: SettingChange[] = []): AppliedSettings => ({
        kind,
        workflowId,
        outcome,
        changes,
      });
      try {
        if ((await handle.describe()).status.name !== 'RUNNING') return result('not running');
      } catch (e) {
        if (e instanceof WorkflowNotFoundError) return result('not running');
        throw e;
      }
      try {
        return await temporal.withDeadline(Date.now() + ANSWER_MS, async () => {
          if (onlyIfDifferent && settingChanges((await handle.query(settingsQuery)) as HeldSettings, patch).length === 0) return result('unchanged');
          const changes = await handle.executeUpdate(applySettingsUpdate, { args: [patch] });
          return result(changes.length > 0 ? 'changed' : 'unchanged', changes);
        });
      } catch (e) {
        if (deadlineExceeded(e)) return result('no answer');
        throw e;
      }
    }),
  );
}

/** The ingest and every client of the deployment, or only the named clients. */
export async function configTargets(config: ResolvedConfig, temporal: Client, clients?: string[]): Promise<SettingsTarget[]> {
  assertClientIds(clients ?? []);
  const prefix = config.temporal.workflowIdPrefix;
  const ingest: SettingsTarget[] = clients
    ? []
    : [{ kind: 'ingest', workflowId: ingestWorkflowId(prefix, config.target.topic), patch: ingestSettingsOf(config) }];
  const ids = clients ?? (await deploymentClients(config, temporal));
  return [
    ...ingest,
    ...ids.map((c): SettingsTarget => ({ kind: 'client', workflowId: clientWorkflowId(prefix, c), patch: clientSettingsOf(config) })),
  ];
}

/** One line per change, for people. */
export function changesText(applied: AppliedSettings): string {
  if (applied.changes.length === 0) return applied.outcome;
  return applied.changes.map((c) => `${c.setting}: ${c.from} → ${c.to}`).join('; ');
}
