/** Live client workflow states, for the lake's health view. */
import type { ResolvedConfig } from '../../config/schema';
import { createKafka, TopicOffsets } from '../kafka/kafka';
import type { LiveClientState } from '../lake/views';
import { withTemporalClient } from './client';
import { pipelineStatus } from './status';
import { NO_WORKER } from './status-query';

const seconds = (ms: number | null): number | null => (ms === null ? null : Math.round(ms / 100) / 10);

/**
 * Client workflow states for the health view, or none when Temporal or Kafka cannot be reached
 * in time: health from the lake alone is still worth showing.
 */
export async function liveClientStates(config: ResolvedConfig, timeoutMs = 8000): Promise<{ states: LiveClientState[]; problem: string | null }> {
  const offsets = new TopicOffsets(createKafka(config.kafka));
  try {
    // A deadline on every call, not a race: the calls end before the connection is closed.
    const report = await withTemporalClient(config, (temporal) =>
      temporal.withDeadline(Date.now() + timeoutMs, () => pipelineStatus(config, temporal, offsets)),
    );
    const lag = report.ingest?.lag ?? null;
    return {
      states: report.clients.map((c) => ({
        client_id: c.clientId,
        state: c.answered ? c.state : `${c.state} (${c.lastError === NO_WORKER ? 'no worker' : 'no answer'})`,
        queued_batches: c.queued,
        backlog_records: c.backlogRecords,
        consumer_lag: lag,
        gold_lag_seconds: seconds(c.freshness.pendingAgeMs),
        last_gold_delay_seconds: seconds(c.freshness.lastGoldDelayMs),
      })),
      problem: null,
    };
  } catch (e) {
    return { states: [], problem: (e as Error).message };
  } finally {
    await offsets.close();
  }
}
