/**
 * Names of the data-quality rules and the actions an operator can give them. Part of the contract
 * because workflow inputs carry the configured actions; the rules' logic lives in domain/rules.ts.
 */

export const RULE_ACTIONS = ['drop', 'warn', 'fail'] as const;
export type RuleAction = (typeof RULE_ACTIONS)[number];

export const BRONZE_RULES = ['malformed_json', 'valid_client_id', 'not_null_timestamp', 'unknown_client'] as const;
export const SILVER_RULES = ['valid_status', 'valid_amount', 'valid_event_type'] as const;
export type BronzeRule = (typeof BRONZE_RULES)[number];
export type SilverRule = (typeof SILVER_RULES)[number];
export type RuleName = BronzeRule | SilverRule;
export const ALL_RULES: readonly RuleName[] = [...BRONZE_RULES, ...SILVER_RULES];

/**
 * Rules that decide whether a record can be routed to a client at all. A record breaking one of
 * them has no client to keep it for, so `warn` is meaningless and `fail` would stop every client.
 */
export const ROUTING_RULES: readonly RuleName[] = ['malformed_json', 'valid_client_id', 'unknown_client'];

export type RuleActions = Record<RuleName, RuleAction>;
export const DEFAULT_RULE_ACTIONS: RuleActions = Object.fromEntries(ALL_RULES.map((rule) => [rule, 'drop'])) as RuleActions;
