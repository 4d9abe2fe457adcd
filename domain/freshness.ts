/**
 * How far a client's gold is behind its Kafka topic: the age of the oldest message handed to the
 * client and not yet in gold (queued or failed), and the produce-to-gold delay of its last batch.
 */
import type { BatchRef, ClientStatus } from '../contract/types';

export interface Freshness {
  /** Age of the oldest message not yet in gold; 0 when nothing is pending, null when unknown. */
  pendingAgeMs: number | null;
  lastGoldDelayMs: number | null;
}

/** The earliest production time among batches (ISO strings of one format compare as times). */
export function oldestProducedAt(batches: readonly Pick<BatchRef, 'producedAt'>[]): string | null {
  let oldest: string | null = null;
  for (const { producedAt } of batches) if (producedAt && (oldest === null || producedAt < oldest)) oldest = producedAt;
  return oldest;
}

export function freshness(status: Pick<ClientStatus, 'queued' | 'failed' | 'oldestPendingProducedAt' | 'lastGoldDelayMs'>, nowMs: number): Freshness {
  const pending = status.queued + status.failed > 0;
  const oldest = status.oldestPendingProducedAt ?? null;
  return {
    pendingAgeMs: oldest !== null ? Math.max(0, nowMs - Date.parse(oldest)) : pending ? null : 0,
    lastGoldDelayMs: status.lastGoldDelayMs ?? null,
  };
}

/** `850 ms`, `12.3 s`, `4.5 min`, `2.0 h`; an empty string when unknown. */
export function formatDelay(ms: number | null): string {
  if (ms === null) return '';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

/** The workflow's details line: a time, not an age, since the details are only set on changes. */
export function freshnessLine(status: Pick<ClientStatus, 'oldestPendingProducedAt' | 'lastGoldDelayMs'>): string {
  const parts = [
    status.oldestPendingProducedAt ? `oldest message not in gold produced ${status.oldestPendingProducedAt}` : '',
    status.lastGoldDelayMs != null ? `last batch produce-to-gold ${formatDelay(status.lastGoldDelayMs)}` : '',
  ].filter(Boolean);
  return parts.length > 0 ? `freshness: ${parts.join(' · ')}` : '';
}
