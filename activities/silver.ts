/**
 * Silver: a client's bronze batch with the silver rules applied, typed and enriched (source and
 * region from metadata), with lineage back to the Kafka record.
 */
import { silverFields } from '../domain/event';
import { LakeLayout } from '../domain/lake-layout';
import { applyRules } from '../domain/quality';
import type { Checked } from '../domain/quality';
import { checkSilver } from '../domain/rules';
import { SILVER_RULES } from '../contract/rules';
import type { JsonObject } from '../domain/rules';
import { bronzeRecordsSql } from '../domain/layer-sql';
import { SILVER_COLUMNS } from '../domain/tables';
import type { LakeDeps } from './deps';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RuleActions } from '../contract/rules';
import type { BatchRef, ClientBatchInput, ClientRunInput, LayerCounts } from '../contract/types';
import { batchSource } from '../adapters/lake/segments';
import { forEachBatch, onlyResult, runOfOne, writeLayer } from './client-lake';
import { guardClientRun, missingFile } from './guards';

interface BronzeRecord {
  partition: number;
  offset: bigint;
  value: string;
  message: JsonObject;
  eventMicros: bigint | null;
}

/** `layout` is the live lake's, or a refresh's staging generation (domain/generations.ts). */
export function createSilverActivities({ config, db, lakeId }: LakeDeps, layout = new LakeLayout(config.lakeDir)) {
  /** Silver of one batch of the run: reads the batch's bronze file and writes its silver files. */
  async function silverOf(conn: DuckDBConnection, clientId: string, batch: BatchRef, ruleActions: RuleActions): Promise<LayerCounts> {
    // The batch's own file, or (a refresh of silver over compacted bronze) its rows in a segment.
    const bronze = await batchSource(layout.bronzeDir(clientId), batch.batchId);
    if (bronze === null) throw missingFile(layout.bronzeFile(clientId, batch.batchId), 'bronze batch');
    const reader = await conn.runAndReadAll(bronzeRecordsSql(bronze.file, bronze.shared ? batch.batchId : null));
    const checked: Checked<BronzeRecord>[] = reader.getRowObjectsJS().map((row) => {
      const value = String(row.value);
      const message = JSON.parse(value) as JsonObject; // bronze holds JSON objects only
      const verdict = checkSilver(message);
      return {
        record: {
          partition: Number(row.partition),
          offset: row.offset as bigint,
          value,
          message,
          eventMicros: (row.event_us as bigint | null) ?? null,
        },
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
  }

  async function silverBatches(input: ClientRunInput): Promise<LayerCounts[]> {
    const batches = guardClientRun({ config, lakeId }, input);
    return forEachBatch(db, layout, { clientId: input.clientId, batches, layer: 'silver' }, (conn, batch) =>
      silverOf(conn, input.clientId, batch, input.ruleActions),
    );
  }

  return {
    silverBatches,
    async silverBatch(input: ClientBatchInput): Promise<LayerCounts> {
      return onlyResult(await silverBatches(runOfOne(input)));
    },
  };
}
