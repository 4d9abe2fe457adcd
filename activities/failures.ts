/**
 * Recording a failed batch: one pipeline_errors row per failed batch (layer `batch`), replaced if
 * the same batch fails again on replay.
 */
import { log } from '@temporalio/activity';
import { withConnection, writeRowsOrRemove } from '../adapters/lake/duck';
import { LakeLayout } from '../domain/lake-layout';
import { ERROR_COLUMNS } from '../domain/tables';
import type { LakeDeps } from './deps';
import type { ClientBatchInput } from '../contract/types';
import { failedBatchNames, guardFailedClientBatch } from './guards';
import { whileHeartbeating } from './heartbeat';

export function createFailureActivities({ config, db, lakeId }: LakeDeps) {
  const layout = new LakeLayout(config.lakeDir);
  return {
    async recordBatchFailure(input: ClientBatchInput & { error: string; errorType: string }): Promise<void> {
      const refused = guardFailedClientBatch({ config, lakeId }, input);
      const { clientId, batch, error, errorType } = input;
      const { batchId, topic, file } = failedBatchNames(refused, batch);
      log.error('batch failed', { clientId, batchId, errorType, error });
      const now = BigInt(Date.now()) * 1000n;
      await whileHeartbeating(() =>
        withConnection(db, async (conn) => {
          await writeRowsOrRemove(
            conn,
            'batch_error',
            ERROR_COLUMNS,
            [[now, clientId, 'batch', 'clientPipeline', [], `${errorType}: ${error}`, batchId, topic, null, null, null]],
            layout.errorsFile('batch', clientId, file),
          );
        }),
      );
    },
  };
}
