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
import { SILVER_COLUMNS, SILVER_PER_BATCH } from '../domain/tables';
import type { LakeDeps } from './deps';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RuleActions } from '../contract/rules';
import type { BatchRef, ClientBatchInput, ClientRunInput, LayerCounts } from '../contract/types';
import { batchSource } from '../adapters/lake/segments';
import { forEachBatch, onlyResult, runOfOne, writeLayer } from './client-lake';
import type { BronzeKept } from './bronze';
import { guardClientRun, missingFile } from './guards';

interface BronzeRecord {
  partition: number;
  offset: bigint;
  value: string;
  message: JsonObject;
  eventMicros: bigint | null;
}

/** A record as bronze kept it, decoded (bronze holds JSON objects only). */
function bronzeRecord(r: BronzeKept): BronzeRecord {
  return { ...r, message: r.message ?? (JSON.parse(r.value) as JsonObject) };
}

/**
 * Silver of one batch: from the records bronze just kept, when it ran in the same activity, or
 * else from the batch's bronze file; writes the batch's silver files. `layout` is the live
 * lake's, or a refresh's staging generation (domain/generations.ts).
 */
export function silverStep({ config }: Pick<LakeDeps, 'config'>, layout: LakeLayout) {
  /** The batch's own bronze file, or (a refresh of silver over compacted bronze) its rows in a segment. */
  async function readBronze(conn: DuckDBConnection, clientId: string, batch: BatchRef): Promise<BronzeKept[]> {
    const bronze = await batchSource(layout.bronzeDir(clientId), batch.batchId);
    if (bronze === null) throw missingFile(layout.bronzeFile(clientId, batch.batchId), 'bronze batch');
    const reader = await conn.runAndReadAll(bronzeRecordsSql(bronze.file, bronze.shared ? batch.batchId : null));
    return reader.getRowObjectsJS().map((row) => ({
      partition: Number(row.partition),
      offset: row.offset as bigint,
      value: String(row.value),
      eventMicros: (row.event_us as bigint | null) ?? null,
      message: null,
    }));
  }

  return async function silverOf(
    conn: DuckDBConnection,
    clientId: string,
    batch: BatchRef,
    ruleActions: RuleActions,
    fromBronze?: readonly BronzeKept[],
  ): Promise<LayerCounts> {
    const records = fromBronze ?? (await readBronze(conn, clientId, batch));
    const checked: Checked<BronzeRecord>[] = records.map((kept) => {
      const record = bronzeRecord(kept);
      const verdict = checkSilver(record.message);
      return { record, broken: verdict.broken, reasons: verdict.reasons };
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
      sameInEveryRow: SILVER_PER_BATCH,
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
  };
}

export function createSilverActivities({ config, db, lakeId }: LakeDeps, layout = new LakeLayout(config.lakeDir)) {
  const silverOf = silverStep({ config }, layout);

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
