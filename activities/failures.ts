/**
 * Recording a failed batch: one pipeline_errors row per failed batch (layer `batch`), replaced if
 * the same batch fails again on replay.
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import { log } from '@temporalio/activity';
import type { ResolvedConfig } from '../lib/config/schema';
import { stageRows, withConnection, writeParquet } from '../lib/duck';
import { LakeLayout } from '../lib/lake-layout';
import { ERROR_COLUMNS } from '../lib/tables';
import type { ClientBatchInput } from '../workflows/types';
import { assertClientId, assertSameLake } from './client-lake';

export function createFailureActivities({ config, db, lakeId }: { config: ResolvedConfig; db: DuckDBInstance; lakeId: string }) {
  const layout = new LakeLayout(config.lakeDir);
  return {
    async recordBatchFailure({ clientId, batch, error, errorType, lakeId: expectedLake }: ClientBatchInput & { error: string; errorType: string }): Promise<void> {
      assertSameLake(expectedLake, { lakeId, lakeDir: config.lakeDir });
      assertClientId(clientId);
      log.error('batch failed', { clientId, batchId: batch.batchId, errorType, error });
      const now = BigInt(Date.now()) * 1000n;
      await withConnection(db, async (conn) => {
        await stageRows(conn, 'batch_error', ERROR_COLUMNS, [
          [now, clientId, 'batch', 'clientPipeline', [], `${errorType}: ${error}`, batch.batchId, batch.topic, null, null, null],
        ]);
        await writeParquet(conn, 'SELECT * FROM batch_error', layout.errorsFile('batch', clientId, batch.batchId));
      });
    },
  };
}
