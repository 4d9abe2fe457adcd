/**
 * Settings an operator can change on running workflows (`pipeline config apply`, or `pipeline
 * start` finding a workflow that runs with older ones), and what changed. They take effect from
 * the next batch and are carried across continue-as-new.
 */
import type { RuleActions } from './rules';
import type { ClientsSettings } from './types';

/**
 * The longest a batch may wait for messages (batch.maxWaitMs), and then stay open for busy
 * clients (batch.maxHoldMs): the ingest activity reads and lands a batch within one start-to-close
 * budget (5 minutes, workflows/profiles.ts), and a longer wait would time it out on every attempt.
 */
export const MAX_BATCH_WAIT_MS = 120_000;
export const MAX_BATCH_HOLD_MS = 120_000;

/** Absent fields stay as they are. A client workflow holds only `ruleActions`. */
export interface SettingsPatch {
  ruleActions?: Partial<RuleActions>;
  maxMessages?: number;
  maxWaitMs?: number;
  clients?: ClientsSettings;
}

/** One setting that changed, its values as JSON text (e.g. `ruleActions.valid_status`: "warn" → "drop"). */
export interface SettingChange {
  setting: string;
  from: string;
  to: string;
}
