/**
 * Rebuilding a client's tables from kafka_raw_bronze (`pipeline refresh`), e.g. after a rule
 * changed. The tables are built into a staging generation and switched in at once, so readers
 * see the old tables or the new ones, never a half-built one.
 */
import type { RuleActions } from './rules';

export const REFRESH_TABLES = ['bronze', 'silver', 'gold'] as const;
export type RefreshTable = (typeof REFRESH_TABLES)[number];

export interface RefreshRequest {
  /** Default: all three. A table is built from the one before it, so bronze needs silver and gold. */
  tables?: RefreshTable[];
}

/** What the refresh activities work on: the client, which tables, and the staging generation. */
export interface RefreshInput {
  clientId: string;
  tables: RefreshTable[];
  /** Names the staging generation; the same on every retry, so a retry rebuilds the same one. */
  generation: string;
  ruleActions: RuleActions;
  lakeId?: string;
}

export interface RefreshOutcome {
  clientId: string;
  tables: RefreshTable[];
  generation: string;
  /** Batches rebuilt, of which `caughtUp` were processed while the rebuild ran. */
  batches: number;
  caughtUp: number;
  /** Rows of the new tables (absent for tables not rebuilt). */
  rows: Partial<Record<RefreshTable, number>>;
}
