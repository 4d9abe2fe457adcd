/**
 * Applying one layer's rules to a batch: which records are kept, which become error rows, what
 * the quality metrics say, and whether a `fail` rule fails the batch. Pure.
 */
import type { Cell } from './tables';
import { outcomeOf } from './rules';
import type { RuleActions, RuleName } from '../contract/rules';

export interface Checked<T> {
  record: T;
  broken: readonly RuleName[];
  reasons: readonly string[];
}

export interface LayerResult<T> {
  kept: T[];
  dropped: Checked<T>[];
  warned: number;
  /** Records that broke a rule whose action is `fail`; any makes the batch fail. */
  failing: Checked<T>[];
  metrics: { rule: RuleName; action: string; checked: number; passed: number; failed: number }[];
}

export function applyRules<T>(checked: readonly Checked<T>[], rules: readonly RuleName[], actions: RuleActions): LayerResult<T> {
  const result: LayerResult<T> = { kept: [], dropped: [], warned: 0, failing: [], metrics: [] };
  const failedBy = new Map<RuleName, number>(rules.map((r) => [r, 0]));
  for (const c of checked) {
    for (const rule of c.broken) failedBy.set(rule, (failedBy.get(rule) ?? 0) + 1);
    const outcome = outcomeOf(c.broken, actions);
    if (outcome === 'fail') result.failing.push(c);
    else if (outcome === 'drop') result.dropped.push(c);
    else {
      if (c.broken.length > 0) result.warned += 1;
      result.kept.push(c.record);
    }
  }
  result.metrics = rules.map((rule) => {
    const failed = failedBy.get(rule) ?? 0;
    return { rule, action: actions[rule], checked: checked.length, passed: checked.length - failed, failed };
  });
  return result;
}

/**
 * A one-line reason for failing a batch on `fail` rules, naming the rules and where the first
 * record is. It goes into workflow history, so it holds counts and rule names, never field text.
 */
export function failureMessage<T extends { partition: number; offset: bigint | string }>(failing: readonly Checked<T>[], total: number): string {
  const rules = [...new Set(failing.flatMap((f) => f.broken))].join(', ');
  const first = failing[0];
  const where = first ? ` (first at partition ${first.record.partition}, offset ${first.record.offset})` : '';
  return `${failing.length} of ${total} records broke rules with action "fail": ${rules}${where}`;
}

export function metricRows(
  metrics: LayerResult<unknown>['metrics'],
  ctx: { nowMicros: bigint; batchId: string; clientId: string | null; layer: string },
): Cell[][] {
  return metrics.map((m) => [
    ctx.nowMicros,
    ctx.batchId,
    ctx.clientId,
    ctx.layer,
    m.rule,
    m.action,
    BigInt(m.checked),
    BigInt(m.passed),
    BigInt(m.failed),
  ]);
}
