/** The benchmark's own pipeline, the same in both modes: its settings, and waiting for it to drain. */
import { ingestWorkflowId } from '../../contract/ids';
import { ingestStatusQuery } from '../../contract/messages';
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

/** Waits until the ingest has handed off `count` messages and every one of `clientCount` clients has drained; returns the ingest's workflow id. */
export async function waitDrained(h: PipelineHarness, count: number, clientCount: number): Promise<string> {
  const { config } = h.t;
  // Asking every client for its status loads the worker; ask only the ingest until it has
  // handed off the last message, then the clients, less often the more there are of them.
  // (The end time comes from history, so polling slowly costs no precision.)
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
  await waitFor(
    'every client to drain',
    async () => {
      const s = await h.status();
      return s.drained && s.clients.length === clientCount;
    },
    4 * 60 * 60_000,
    Math.max(500, clientCount * 20),
  );
  return ingest.workflowId;
}
