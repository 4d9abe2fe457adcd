/**
 * Silver: a client's bronze batch with the silver rules applied, typed and enriched (source and
 * region from metadata), with lineage back to the Kafka record.
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import type { ResolvedConfig } from '../lib/config/schema';
import { withConnection } from '../lib/duck';
import { silverFields } from '../lib/event';
import { LakeLayout } from '../lib/lake-layout';
import { applyRules } from '../lib/quality';
import type { Checked } from '../lib/quality';
import { checkSilver, SILVER_RULES } from '../lib/rules';
import type { JsonObject } from '../lib/rules';
import { SILVER_COLUMNS, sqlString } from '../lib/tables';
import type { ClientBatchInput, LayerCounts } from '../workflows/types';
import { assertClientId, assertSameLake, requireFile, writeLayer } from './client-lake';
import { whileHeartbeating } from './heartbeat';

interface BronzeRecord {
  partition: number;
  offset: bigint;
  value: string;
  message: JsonObject;
  eventMicros: bigint | null;
}

export function createSilverActivities({ config, db, lakeId }: { config: ResolvedConfig; db: DuckDBInstance; lakeId: string }) {
  const layout = new LakeLayout(config.lakeDir);

  return {
    async silverBatch({ clientId, batch, ruleActions, lakeId: expectedLake }: ClientBatchInput): Promise<LayerCounts> {
      assertSameLake(expectedLake, { lakeId, lakeDir: config.lakeDir });
      assertClientId(clientId);
      const bronzeFile = layout.bronzeFile(clientId, batch.batchId);
      await requireFile(bronzeFile, 'bronze batch');
      return whileHeartbeating(() =>
        withConnection(db, async (conn) => {
          const reader = await conn.runAndReadAll(
            `SELECT "partition", "offset", value, epoch_us(event_timestamp) AS event_us
             FROM read_parquet(${sqlString(bronzeFile)}) ORDER BY "partition", "offset"`,
          );
          const checked: Checked<BronzeRecord>[] = reader.getRowObjectsJS().map((row) => {
            const value = String(row.value);
            const message = JSON.parse(value) as JsonObject; // bronze holds JSON objects only
            const verdict = checkSilver(message);
            return {
              record: { partition: Number(row.partition), offset: row.offset as bigint, value, message, eventMicros: (row.event_us as bigint | null) ?? null },
              broken: verdict.broken,
              reasons: verdict.reasons,
            };
          });
          const result = applyRules(checked, SILVER_RULES, ruleActions);
          const now = BigInt(Date.now()) * 1000n;
          return writeLayer(conn, layout, {
            layer: 'silver',
            clientId,
            batch,
            result,
            total: checked.length,
            columns: SILVER_COLUMNS,
            file: layout.silverFile(clientId, batch.batchId),
            toRow: (r) => {
              const f = silverFields(r.message);
              return [
                clientId,
                f.clientName,
                f.eventType,
                f.status,
                f.amount,
                r.eventMicros,
                f.source,
                f.region,
                f.dataJson,
                f.metadataJson,
                batch.topic,
                r.partition,
                r.offset,
                batch.batchId,
                now,
              ];
            },
            rawValueChars: config.limits.rawValueChars,
            nowMicros: now,
          });
        }),
      );
    },
  };
}
