/**
 * Compensation for a failed batch: removes everything it wrote for one client, in every layer,
 * and rebuilds the gold it had touched, so the client's tables are as if the batch never ran.
 * It marks the batch first, so attempts of it that are still running publish nothing after.
 */
import { withConnection } from '../adapters/lake/duck';
import { removeFile } from '../adapters/lake/files';
import { LakeLayout } from '../domain/lake-layout';
import type { LakeDeps } from './deps';
import type { ClientBatchInput } from '../contract/types';
import { markDiscarded } from './discarded';
import { rebuildGold, touchedSlices } from './gold';
import { guardFailedClientBatch } from './guards';
import { whileHeartbeating } from './heartbeat';

export function createCompensationActivities({ config, db, lakeId }: LakeDeps) {
  const layout = new LakeLayout(config.lakeDir);
  return {
    /** Removes the batch's bronze, silver, their errors and metrics, and rebuilds its gold slices. */
    async discardClientBatch(input: ClientBatchInput): Promise<void> {
      if (guardFailedClientBatch({ config, lakeId }, input) !== null) return; // refused by every layer: nothing to remove
      const { clientId, batch } = input;
      // Fenced like the writes: a stale compensation must not remove what a later replay wrote.
      await whileHeartbeating(() =>
        withConnection(db, async (conn) => {
          // First, so that no attempt of this batch scheduled before now publishes from here on.
          await markDiscarded(layout, input);
          const slices = await touchedSlices(conn, [layout.silverFile(clientId, batch.batchId)]);
          const files = [
            layout.bronzeFile(clientId, batch.batchId),
            layout.silverFile(clientId, batch.batchId),
            layout.errorsFile('bronze', clientId, batch.batchId),
            layout.errorsFile('silver', clientId, batch.batchId),
            layout.metricsFile('bronze', clientId, batch.batchId),
            layout.metricsFile('silver', clientId, batch.batchId),
          ];
          for (const f of files) await removeFile(f);
          await rebuildGold(conn, layout, clientId, slices);
        }),
      );
    },
  };
}
