/**
 * Compensation for a failed batch, or a failed run of batches: removes everything they wrote for
 * one client, in every layer, and rebuilds the gold they had touched, so the client's tables are
 * as if they never ran. It marks each batch first, so attempts still running publish nothing after.
 */
import { withConnection } from '../adapters/lake/duck';
import { removeFile } from '../adapters/lake/files';
import { LakeLayout } from '../domain/lake-layout';
import type { LakeDeps } from './deps';
import type { ClientBatchInput, ClientRunInput } from '../contract/types';
import { runOfOne } from './client-lake';
import { markDiscarded } from './discarded';
import { rebuildGold, touchedSlices } from './gold';
import { guardFailedClientBatch, runBatches } from './guards';
import { whileHeartbeating } from './heartbeat';

export function createCompensationActivities({ config, db, lakeId }: LakeDeps) {
  const layout = new LakeLayout(config.lakeDir);

  /** Removes the run's bronze, silver, their errors and metrics, batch by batch, and rebuilds the gold they touched. */
  async function discardClientBatches(input: ClientRunInput): Promise<void> {
    const { clientId } = input;
    // A batch refused by every layer wrote nothing: there is nothing of it to remove.
    const batches = runBatches(input).filter((batch) => guardFailedClientBatch({ config, lakeId }, { ...input, batch }) === null);
    if (batches.length === 0) return;
    // Fenced like the writes: a stale compensation must not remove what a later replay wrote.
    await whileHeartbeating(() =>
      withConnection(db, async (conn) => {
        // First, so that no attempt of these batches scheduled before now publishes from here on.
        for (const batch of batches) await markDiscarded(layout, { clientId, batch });
        const slices = await touchedSlices(
          conn,
          batches.map((b) => layout.silverFile(clientId, b.batchId)),
        );
        for (const { batchId } of batches) {
          const files = [
            layout.bronzeFile(clientId, batchId),
            layout.silverFile(clientId, batchId),
            layout.errorsFile('bronze', clientId, batchId),
            layout.errorsFile('silver', clientId, batchId),
            layout.metricsFile('bronze', clientId, batchId),
            layout.metricsFile('silver', clientId, batchId),
          ];
          for (const f of files) await removeFile(f);
        }
        await rebuildGold(conn, layout, clientId, slices);
      }),
    );
  }

  return {
    discardClientBatches,
    discardClientBatch: (input: ClientBatchInput): Promise<void> => discardClientBatches(runOfOne(input)),
  };
}
