/**
 * A table folder's per-batch files and compacted segments (domain/compaction.ts): which batches
 * a folder holds, where one batch's rows are, and building a folder's compacted copy. The copy
 * is built beside the live folder and only then switched in (adapters/lake/generations.ts), so a
 * reader sees the per-batch files or the segment, never both and never neither.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { batchOfFile, isSegment, planCompaction, segmentBatchesName, segmentName } from '../../domain/compaction';
import type { FolderFile } from '../../domain/compaction';
import { sqlString } from '../../domain/sql';
import { exists, fsyncPath, makeDir, readJsonIfExists, writeJsonAtomically } from './files';
import { writeParquet } from './duck';

/**
 * Rows per row group of a segment. DuckDB's Parquet writer holds a row group in memory until it
 * is written, 122,880 rows by default: merging 64 files of 3,200 bronze rows took 160–215 MiB
 * more memory that way, against some 45 MiB and half the time in groups of this size (the file
 * 2 % larger). Each batch's rows stay together, so a read of one batch skips the other groups.
 */
export const SEGMENT_ROW_GROUP_ROWS = 2048;

interface SegmentBatches {
  batches: string[];
}

async function parquetFiles(dir: string): Promise<FolderFile[]> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw e;
  }
  const files: FolderFile[] = [];
  for (const name of names.filter((n) => n.endsWith('.parquet')).sort()) {
    files.push({ name, bytes: (await fs.stat(path.join(dir, name))).size });
  }
  return files;
}

async function batchesOfSegment(dir: string, segment: string): Promise<string[]> {
  const listed = await readJsonIfExists<SegmentBatches>(path.join(dir, segmentBatchesName(segment)));
  if (!listed) throw new Error(`segment ${path.join(dir, segment)} has no list of its batches`);
  return listed.batches;
}

/** Every batch a table folder holds: a file of its own, or a place in a segment. Sorted. */
export async function folderBatches(dir: string): Promise<string[]> {
  const real = await fs.realpath(dir).catch(() => dir);
  const batches: string[] = [];
  for (const { name } of await parquetFiles(real)) {
    const own = batchOfFile(name);
    if (own !== null) batches.push(own);
    else if (isSegment(name)) batches.push(...(await batchesOfSegment(real, name)));
  }
  return batches.sort();
}

/** Where a batch's rows are: its own file, or the segment holding them (then filter on batch_id); null when neither. */
export async function batchSource(dir: string, batchId: string): Promise<{ file: string; shared: boolean } | null> {
  // One generation of the folder throughout, even if a compaction switches it meanwhile.
  const real = await fs.realpath(dir).catch(() => dir);
  const own = path.join(real, `${batchId}.parquet`);
  if (await exists(own)) return { file: own, shared: false };
  for (const { name } of await parquetFiles(real)) {
    if (isSegment(name) && (await batchesOfSegment(real, name)).includes(batchId)) return { file: path.join(real, name), shared: true };
  }
  return null;
}

export interface FolderCompaction {
  filesBefore: number;
  filesAfter: number;
  batches: number;
}

/**
 * Builds in `staged` (a new, empty folder) the compacted copy of the folder `live`: the files
 * the plan merges become one segment, the others are linked as they are. Returns null, building nothing,
 * when the folder holds too few per-batch files to be worth it.
 */
export async function buildCompactedFolder(
  conn: DuckDBConnection,
  { live, staged, segmentId }: { live: string; staged: string; segmentId: string },
  options: { minFiles: number; maxSegmentBytes: number },
): Promise<FolderCompaction | null> {
  const real = await fs.realpath(live).catch(() => null);
  if (real === null) return null;
  const files = await parquetFiles(real);
  const plan = planCompaction(files, options);
  if (plan === null) return null;
  await makeDir(staged);
  for (const { name } of plan.keep) {
    await fs.link(path.join(real, name), path.join(staged, name));
    await fs.link(path.join(real, segmentBatchesName(name)), path.join(staged, segmentBatchesName(name)));
  }
  const batches: string[] = [];
  for (const { name } of plan.merge) batches.push(...(isSegment(name) ? await batchesOfSegment(real, name) : [batchOfFile(name) ?? name]));
  const segment = segmentName(segmentId);
  // The list first: a segment is never without it, in this folder or after the switch.
  await writeJsonAtomically(path.join(staged, segmentBatchesName(segment)), { batches: batches.sort() } satisfies SegmentBatches);
  const sources = plan.merge.map((f) => sqlString(path.join(real, f.name))).join(', ');
  await writeParquet(conn, `SELECT * FROM read_parquet([${sources}], union_by_name = true)`, path.join(staged, segment), {
    rowGroupRows: SEGMENT_ROW_GROUP_ROWS,
  });
  await fsyncPath(staged);
  return { filesBefore: files.length, filesAfter: plan.keep.length + 1, batches: batches.length };
}
