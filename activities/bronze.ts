/**
 * Bronze: a client's slice of a raw batch, with the bronze rules applied. The router already
 * dropped records that cannot reach a client; what is left to enforce here is the timestamp.
 */
import type { DuckDBInstance } from '@duckdb/node-api';
import type { ResolvedConfig } from '../lib/config/schema';
import { withConnection } from '../lib/duck';
import { LakeLayout } from '../lib/lake-layout';
import { applyRules } from '../lib/quality';
import type { Checked } from '../lib/quality';
import { checkBronze, decodeMessageValue } from '../lib/rules';
import { BRONZE_COLUMNS, sqlString } from '../lib/tables';
import type { ClientBatchInput, LayerCounts } from '../workflows/types';
import { assertClientId, assertSameLake, requireFile, writeLayer } from './client-lake';
import { whileHeartbeating } from './heartbeat';

interface RawRecord {
  partition: number;
  offset: bigint;
  value: string;
  kafkaMicros: bigint;
  eventMicros: bigint | null;
}

/** Bronze rules enforced per client (routing rules were settled by the ingest router). */
const CLIENT_BRONZE_RULES = ['not_null_timestamp'] as const;

export function createBronzeActivities({ config, db, lakeId }: { config: ResolvedConfig; db: DuckDBInstance; lakeId: string }) {
  const layout = new LakeLayout(config.lakeDir);

  return {
    async bronzeBatch({ clientId, batch, ruleActions, lakeId: expectedLake }: ClientBatchInput): Promise<LayerCounts> {
      assertSameLake(expectedLake, { lakeId, lakeDir: config.lakeDir });
      assertClientId(clientId);
      const rawFile = layout.rawFile(batch.topic, batch.batchId);
      await requireFile(rawFile, 'raw batch');
      return whileHeartbeating(() =>
        withConnection(db, async (conn) => {
          const reader = await conn.runAndReadAll(
            `SELECT "partition", "offset", value, epoch_us(kafka_timestamp) AS kafka_us
             FROM read_parquet(${sqlString(rawFile)}) WHERE client_id = $client ORDER BY "partition", "offset"`,
            { client: clientId },
          );
          // The raw table routed this record here, so its client is known for this check.
          const directory = { knownClients: new Set([clientId]), autoDiscover: true };
          const checked: Checked<RawRecord>[] = reader.getRowObjectsJS().map((row) => {
            const value = String(row.value);
            const verdict = checkBronze(decodeMessageValue(Buffer.from(value, 'utf8'), Number.MAX_SAFE_INTEGER), directory);
            return {
              record: { partition: Number(row.partition), offset: row.offset as bigint, value, kafkaMicros: row.kafka_us as bigint, eventMicros: verdict.eventMicros },
              broken: verdict.broken,
              reasons: verdict.reasons,
            };
          });
          const result = applyRules(checked, CLIENT_BRONZE_RULES, ruleActions);
          const now = BigInt(Date.now()) * 1000n;
          return writeLayer(conn, layout, {
            layer: 'bronze',
            clientId,
            batch,
            result,
            total: checked.length,
            columns: BRONZE_COLUMNS,
            file: layout.bronzeFile(clientId, batch.batchId),
            toRow: (r) => [clientId, r.eventMicros, r.value, batch.topic, r.partition, r.offset, r.kafkaMicros, batch.batchId, now],
            rawValueChars: config.limits.rawValueChars,
            nowMicros: now,
          });
        }),
      );
    },
  };
}
