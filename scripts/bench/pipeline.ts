/** The benchmark's own pipeline, the same in both modes: its settings, and waiting for it to drain. */
import { clientWorkflowId, ingestWorkflowId } from '../../contract/ids';
import { ingestStatusQuery, statusQuery } from '../../contract/messages';
import { startHarness, waitFor } from '../sandbox';
import type { PipelineHarness } from '../sandbox';

/** batch.maxWaitMs: how long the ingest waits to fill a batch, the floor of freshness at low rates. */
export const BENCH_MAX_WAIT_MS = 500;

export function startBenchHarness(clients: readonly string[], batch: number): Promise<PipelineHarness> {
  return startHarness(
    'bench',
    { PIPELINE_KNOWN_CLIENTS: clients.join(','), PIPELINE_BATCH_MAX_MESSAGES: String(batch), PIPELINE_BATCH_MAX_WAIT_MS: String(BENCH_MAX_WAIT_MS) },
    { partitions: 3 },
  );
}

/**
 * Waits until the ingest has handed off `count` messages and every one of `clients` has drained;
 * returns the ingest's workflow id. Every status query is a task for the worker under test, so
 * the wait asks as little as it can: only the ingest until it has handed off the last message;
 * after that no client gets new batches, so a client found drained stays drained and is not
 * asked again, and each round stops at the first client still busy (so a round costs one query
 * plus one per client that drained since: with many clients, asking all of them every second
 * was a load of its own on the worker being measured); and two full statuses in a row confirm
 * (a batch signalled but not yet taken in shows in neither). (The end time comes from history,
 * so polling slowly costs no precision.)
 */
export async function waitDrained(h: PipelineHarness, count: number, clients: readonly string[]): Promise<string> {
  const { config } = h.t;
  const ingest = h.temporal.workflow.getHandle(ingestWorkflowId(config.temporal.workflowIdPrefix, config.target.topic));
  await waitFor(
    'the ingest to hand off every message',
    async () => {
      const s = await ingest.query(ingestStatusQuery);
      const read = Object.values(s.nextOffsets).reduce((a, o) => a + Number(o), 0);
      return read >= count && s.dispatchedSeq === s.nextSeq - 1;
    },
    4 * 60 * 60_000,
    500,
  );
  const pending = [...clients];
  let confirmed = 0;
  await waitFor(
    'every client to drain',
    async () => {
      for (let next = pending[0]; next !== undefined; next = pending[0]) {
        const s = await h.temporal.workflow.getHandle(clientWorkflowId(config.temporal.workflowIdPrefix, next)).query(statusQuery);
        if (s.queued > 0 || s.busy) return false;
        pending.shift();
      }
      const s = await h.status();
      confirmed = s.drained && s.clients.length === clients.length ? confirmed + 1 : 0;
      return confirmed >= 2;
    },
    4 * 60 * 60_000,
    1_000,
  );
  return ingest.workflowId;
}
