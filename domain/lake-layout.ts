/**
 * Where every table's files live in the lake, and how batches are named. Pure. Every name here
 * is built from validated parts only (client ids, topics, sequence numbers, dates), never from
 * raw message text, so untrusted input never becomes part of a path.
 *
 * <lakeDir>/
 *   kafka_raw_bronze/<topic>/<batch>.parquet
 *   bronze_<client>/<batch>.parquet
 *   silver_<client>/<batch>.parquet
 *   (bronze_ and silver_ folders, and a client's error and metric folders, also hold compacted
 *    segments: compacted-<id>.parquet, the id without a ".", which every batch id holds,
 *    with the batches they hold in compacted-<id>.batches.json)
 *   gold_<client>_summary/<YYYY-MM-DD>.parquet      one file per UTC day, rebuilt when touched
 *   gold_<client>_summary/undated.parquet           rows kept without event time (rule set to warn)
 *   gold_<client>_summary/_state/<slice>.parquet    what a slice's gold is made from, merged run by run
 *   pipeline_errors/<layer>/<client|_router>/<batch>.parquet
 *   pipeline_quality_metrics/<layer>/<client|_router>/<batch>.parquet
 *   _ingest/<topic>/<seq>.plan.json, <seq>.done.json  ingest positions (the Kafka position)
 *   _discarded/<client>/<batch>.json                 when a client's batch was last compensated
 */
import path from 'node:path';
import { CLIENT_ID_PATTERN } from './client-id';
import { goldSliceName } from './gold-slice';
import type { GoldSlice } from './gold-slice';

/** The subfolder of a gold table holding its slices' states. */
export const GOLD_STATE_DIR = '_state';

/** Scope of router-level files (records without a client). Client ids cannot start with `_`. */
export const ROUTER_SCOPE = '_router';

/** `signal`: failures reported by signal; `ingest`: a raw batch that failed; `alert`: a channel that failed. */
export type Layer = 'bronze' | 'silver' | 'batch' | 'signal' | 'ingest' | 'alert';

export function batchId(topic: string, seq: number): string {
  return `${topic}.${String(seq).padStart(9, '0')}`;
}

function assertClient(clientId: string): string {
  if (!CLIENT_ID_PATTERN.test(clientId)) throw new Error(`refusing to build a path from invalid client id ${JSON.stringify(clientId)}`);
  return clientId;
}

export const tableName = {
  bronze: (clientId: string) => `bronze_${assertClient(clientId)}`,
  silver: (clientId: string) => `silver_${assertClient(clientId)}`,
  gold: (clientId: string) => `gold_${assertClient(clientId)}_summary`,
};

export class LakeLayout {
  constructor(readonly dir: string) {}

  rawDir(topic: string): string {
    return path.join(this.dir, 'kafka_raw_bronze', topic);
  }
  rawFile(topic: string, batch: string): string {
    return path.join(this.rawDir(topic), `${batch}.parquet`);
  }
  ingestDir(topic: string): string {
    return path.join(this.dir, '_ingest', topic);
  }
  planFile(topic: string, seq: number): string {
    return path.join(this.ingestDir(topic), `${String(seq).padStart(9, '0')}.plan.json`);
  }
  doneFile(topic: string, seq: number): string {
    return path.join(this.ingestDir(topic), `${String(seq).padStart(9, '0')}.done.json`);
  }
  bronzeDir(clientId: string): string {
    return path.join(this.dir, tableName.bronze(clientId));
  }
  bronzeFile(clientId: string, batch: string): string {
    return path.join(this.bronzeDir(clientId), `${batch}.parquet`);
  }
  silverDir(clientId: string): string {
    return path.join(this.dir, tableName.silver(clientId));
  }
  silverFile(clientId: string, batch: string): string {
    return path.join(this.silverDir(clientId), `${batch}.parquet`);
  }
  goldDir(clientId: string): string {
    return path.join(this.dir, tableName.gold(clientId));
  }
  goldFile(clientId: string, slice: GoldSlice): string {
    return path.join(this.goldDir(clientId), `${goldSliceName(slice)}.parquet`);
  }
  /** A gold slice's state (domain/gold-sql.ts): in a subfolder, so no reader of the table's files sees it. */
  goldStateDir(clientId: string): string {
    return path.join(this.goldDir(clientId), GOLD_STATE_DIR);
  }
  goldStateFile(clientId: string, slice: GoldSlice): string {
    return path.join(this.goldStateDir(clientId), `${goldSliceName(slice)}.parquet`);
  }
  discardedFile(clientId: string, batch: string): string {
    return path.join(this.dir, '_discarded', assertClient(clientId), `${batch}.json`);
  }
  errorsFile(layer: Layer, scope: string, batch: string): string {
    return path.join(this.dir, 'pipeline_errors', layer, scopeName(scope), `${batch}.parquet`);
  }
  metricsFile(layer: Layer, scope: string, batch: string): string {
    return path.join(this.dir, 'pipeline_quality_metrics', layer, scopeName(scope), `${batch}.parquet`);
  }
}

function scopeName(scope: string): string {
  return scope === ROUTER_SCOPE ? scope : assertClient(scope);
}
