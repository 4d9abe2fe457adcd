/**
 * Bronze: a client's slice of a raw batch, with the bronze rules applied. The router already
 * dropped records that cannot reach a client; what is left to enforce here is the timestamp.
 */
import { LakeLayout } from '../domain/lake-layout';
import { applyRules } from '../domain/quality';
import type { Checked } from '../domain/quality';
import { checkBronze, decodeRoutedValue } from '../domain/rules';
import type { JsonObject } from '../domain/rules';
import { BRONZE_KEPT_COLUMNS, bronzeRowsSql, clientRawRecordsSql } from '../domain/layer-sql';
import type { LakeDeps } from './deps';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { RuleActions } from '../contract/rules';
import type { BatchRef, ClientBatchInput, ClientRunInput, LayerCounts } from '../contract/types';
import { forEachBatch, onlyResult, runOfOne, writeLayer } from './client-lake';
import { guardClientRun, missingFile } from './guards';
import { fileIdentity } from '../adapters/lake/files';
import type { RoutedSlices } from './routed-slices';

/** Bronze rules enforced per client (routing rules were settled by the ingest router). */
const CLIENT_BRONZE_RULES = ['not_null_timestamp'] as const;

/** A record bronze kept, as silver takes it: its decoded message comes along when bronze had it. */
export interface BronzeKept {
  partition: number;
  offset: bigint;
  value: string;
  eventMicros: bigint | null;
  message: JsonObject | null;
}

/**
 * Bronze of one batch: reads its client's raw records, writes the batch's files, and returns
 * its counts and the records it kept. `layout` is the live lake's, or a refresh's staging
 * generation (domain/generations.ts).
 */
export function bronzeStep({ config }: Pick<LakeDeps, 'config'>, layout: LakeLayout, handoff?: RoutedSlices) {
  /** The client's records of the raw file, read back and decoded again. */
  async function readRaw(conn: DuckDBConnection, clientId: string, rawFile: string): Promise<Checked<BronzeKept>[]> {
    const reader = await conn.runAndReadAll(clientRawRecordsSql(rawFile), { client: clientId });
    // The raw table routed this record here, so its client is known for this check.
    const directory = { knownClients: new Set([clientId]), autoDiscover: true };
    return reader.getRowObjectsJS().map((row) => {
      const value = String(row.value);
      const verdict = checkBronze(decodeRoutedValue(value), directory);
      return {
        record: {
          partition: Number(row.partition),
          offset: row.offset as bigint,
          value,
          eventMicros: verdict.eventMicros,
          message: verdict.message,
        },
        broken: verdict.broken,
        reasons: verdict.reasons,
      };
    });
  }

  return async function bronzeOf(
    conn: DuckDBConnection,
    clientId: string,
    batch: BatchRef,
    ruleActions: RuleActions,
  ): Promise<{ counts: LayerCounts; kept: BronzeKept[] }> {
    const rawFile = layout.rawFile(batch.topic, batch.batchId);
    const identity = await fileIdentity(rawFile);
    if (identity === null) throw missingFile(rawFile, 'raw batch');
    // The router checked these records as bronze would: with a client named, only the
    // timestamp rule can be left, and it is the same check.
    const handed = handoff?.take(rawFile, identity, clientId);
    const checked: Checked<BronzeKept>[] = handed
      ? handed.map(({ partition, offset, value, eventMicros, message, broken, reasons }) => ({
          record: { partition, offset, value, eventMicros, message },
          broken,
          reasons,
        }))
      : await readRaw(conn, clientId, rawFile);
    const result = applyRules(checked, CLIENT_BRONZE_RULES, ruleActions);
    const now = BigInt(Date.now()) * 1000n;
    const counts = await writeLayer(conn, layout, {
      layer: 'bronze',
      clientId,
      batch,
      result,
      total: checked.length,
      columns: BRONZE_KEPT_COLUMNS,
      toRow: (r) => [r.partition, r.offset, r.eventMicros],
      rowsSql: (kept) => bronzeRowsSql(kept, rawFile, { clientId, topic: batch.topic, batchId: batch.batchId, processedMicros: now }),
      file: layout.bronzeFile(clientId, batch.batchId),
      rawValueChars: config.limits.rawValueChars,
      nowMicros: now,
    });
    return { counts, kept: result.kept };
  };
}

export function createBronzeActivities({ config, db, lakeId }: LakeDeps, layout = new LakeLayout(config.lakeDir)) {
  const bronzeOf = bronzeStep({ config }, layout);

  async function bronzeBatches(input: ClientRunInput): Promise<LayerCounts[]> {
    const batches = guardClientRun({ config, lakeId }, input);
    return forEachBatch(db, layout, { clientId: input.clientId, batches, layer: 'bronze' }, async (conn, batch) => {
      const { counts } = await bronzeOf(conn, input.clientId, batch, input.ruleActions);
      return counts;
    });
  }

  return {
    bronzeBatches,
    async bronzeBatch(input: ClientBatchInput): Promise<LayerCounts> {
      return onlyResult(await bronzeBatches(runOfOne(input)));
    },
  };
}
