/**
 * Changing the settings of a running workflow: what an operator may send (checked before the
 * workflow accepts it, so a bad update is refused and leaves no trace), and what changed. Pure,
 * and light enough for the workflow bundle.
 */
import { ALL_RULES, ROUTING_RULES, RULE_ACTIONS } from '../contract/rules';
import type { RuleAction, RuleActions, RuleName } from '../contract/rules';
import { MAX_BATCH_WAIT_MS } from '../contract/settings';
import type { SettingChange, SettingsPatch } from '../contract/settings';
import type { ClientsSettings } from '../contract/types';
import { isValidClientId } from './client-id';

/** The settings one workflow holds: a client holds only rule actions. */
export interface HeldSettings {
  ruleActions: RuleActions;
  maxMessages?: number;
  maxWaitMs?: number;
  clients?: ClientsSettings;
}

/** The same bounds as the config's. */
const BOUNDS = { maxMessages: [1, 100_000], maxWaitMs: [10, MAX_BATCH_WAIT_MS] } as const;

function ruleActionProblems(actions: unknown): string[] {
  if (typeof actions !== 'object' || actions === null || Array.isArray(actions)) return ['ruleActions must be an object of rule → action'];
  const problems: string[] = [];
  for (const [rule, action] of Object.entries(actions)) {
    if (!ALL_RULES.includes(rule as RuleName)) problems.push(`ruleActions: unknown rule ${JSON.stringify(rule)}`);
    else if (!RULE_ACTIONS.includes(action as RuleAction)) problems.push(`ruleActions.${rule}: action must be one of ${RULE_ACTIONS.join(', ')}`);
    else if (ROUTING_RULES.includes(rule as RuleName) && action !== 'drop') problems.push(`ruleActions.${rule}: a routing rule only takes "drop"`);
  }
  return problems;
}

function clientsProblems(clients: unknown): string[] {
  const c = clients as Partial<ClientsSettings> | null;
  if (typeof c !== 'object' || c === null || !Array.isArray(c.known) || typeof c.autoDiscover !== 'boolean') {
    return ['clients must be { known: string[], autoDiscover: boolean }'];
  }
  return c.known.filter((id) => typeof id !== 'string' || !isValidClientId(id)).map((id) => `clients.known: invalid client id ${JSON.stringify(id)}`);
}

/** Every problem of a patch for a workflow holding `held` (fields it does not hold are refused). */
export function settingsPatchProblems(patch: unknown, held: HeldSettings): string[] {
  if (typeof patch !== 'object' || patch === null) return ['settings must be an object'];
  const problems: string[] = [];
  for (const [key, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    if (!(key in held)) problems.push(`${key}: not a setting of this workflow`);
    else if (key === 'ruleActions') problems.push(...ruleActionProblems(value));
    else if (key === 'clients') problems.push(...clientsProblems(value));
    else if (key === 'maxMessages' || key === 'maxWaitMs') {
      const [min, max] = BOUNDS[key];
      if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max)
        problems.push(`${key} must be a whole number from ${min} to ${max}`);
    }
  }
  return problems;
}

const text = (value: unknown): string => JSON.stringify(value) ?? 'undefined';

/** What applying `patch` to `held` changes, one entry per rule or field, in a stable order. */
export function settingChanges(held: HeldSettings, patch: SettingsPatch): SettingChange[] {
  const changes: SettingChange[] = [];
  for (const rule of ALL_RULES) {
    const to = patch.ruleActions?.[rule];
    if (to !== undefined && to !== held.ruleActions[rule])
      changes.push({ setting: `ruleActions.${rule}`, from: text(held.ruleActions[rule]), to: text(to) });
  }
  for (const key of ['maxMessages', 'maxWaitMs', 'clients'] as const) {
    const to = patch[key];
    if (to !== undefined && text(to) !== text(held[key])) changes.push({ setting: key, from: text(held[key]), to: text(to) });
  }
  return changes;
}

/** `held` with the patch applied (the workflow keeps the result and carries it on). */
export function withSettings<T extends HeldSettings>(held: T, patch: SettingsPatch): T {
  const next = { ...held, ruleActions: { ...held.ruleActions, ...patch.ruleActions } };
  for (const key of ['maxMessages', 'maxWaitMs', 'clients'] as const) if (patch[key] !== undefined) Object.assign(next, { [key]: patch[key] });
  return next;
}
