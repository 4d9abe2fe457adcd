/**
 * Compaction of a client's per-batch files: which files of a table folder are merged into one
 * segment, and how segments are named. Pure: names and sizes in, a plan out.
 *
 * Every batch writes one small file per table (bronze, silver, and their error and metric rows).
 * Compaction merges a folder's per-batch files into a new segment, together with the smaller
 * segments while each is at most MERGE_RATIO times what is merged so far (size-tiered): a
 * segment is rewritten only once new data of a fair share of its size has come, so the bytes
 * rewritten stay a small multiple of the bytes written, and the segments stay few (about one per
 * tier). A segment that reached `maxSegmentBytes` is sealed and never rewritten. A segment's
 * batches are listed beside it
 * (`<segment>.batches.json`), so "which batches went through" survives compaction.
 */
const SEGMENT_PREFIX = 'compacted-';
const PARQUET = '.parquet';
const BATCHES_SUFFIX = '.batches.json';

/** Compaction generations are named so; a refresh's are not, so compaction never removes one. */
export const COMPACTION_GENERATION_PREFIX = 'compact-';

/** `id`: unique per compaction (a UUID), so a crashed one never collides with its retry. */
export function compactionGeneration(id: string): string {
  return `${COMPACTION_GENERATION_PREFIX}${id}`;
}

/** `id` holds no `.`: a batch id always does (`<topic>.<sequence>`), so no batch file reads as a segment. */
export function segmentName(id: string): string {
  if (id.includes('.')) throw new Error(`a segment id holds no "." (got ${JSON.stringify(id)})`);
  return `${SEGMENT_PREFIX}${id}${PARQUET}`;
}

export function isSegment(fileName: string): boolean {
  if (!fileName.startsWith(SEGMENT_PREFIX) || !fileName.endsWith(PARQUET)) return false;
  // A topic may itself start with the prefix (`compacted-orders`); its batch files hold a `.` before `.parquet`.
  return !fileName.slice(SEGMENT_PREFIX.length, -PARQUET.length).includes('.');
}

/** The list of batches a segment holds, kept beside it. */
export function segmentBatchesName(segmentName: string): string {
  return `${segmentName.slice(0, -PARQUET.length)}${BATCHES_SUFFIX}`;
}

/** The batch a per-batch file holds (its name without `.parquet`). */
export function batchOfFile(fileName: string): string | null {
  return fileName.endsWith(PARQUET) && !isSegment(fileName) ? fileName.slice(0, -PARQUET.length) : null;
}

export interface FolderFile {
  name: string;
  bytes: number;
}

export interface CompactionPlan {
  /** Merged into one new segment: the per-batch files and the segments small enough. */
  merge: FolderFile[];
  /** Carried over as they are: the other segments. */
  keep: FolderFile[];
}

/** A segment joins a merge while it is at most this many times the bytes merged so far. */
export const MERGE_RATIO = 4;

/**
 * What to merge in a folder of Parquet files, or null when it holds fewer than `minFiles`
 * per-batch files (nothing worth a rewrite).
 */
export function planCompaction(
  files: readonly FolderFile[],
  { minFiles, maxSegmentBytes }: { minFiles: number; maxSegmentBytes: number },
): CompactionPlan | null {
  const parquet = files.filter((f) => f.name.endsWith(PARQUET));
  const perBatch = parquet.filter((f) => !isSegment(f.name));
  if (perBatch.length < Math.max(minFiles, 1)) return null;
  const merge = [...perBatch];
  let bytes = perBatch.reduce((n, f) => n + f.bytes, 0);
  const segments = parquet.filter((f) => isSegment(f.name)).sort((a, b) => a.bytes - b.bytes);
  for (const segment of segments) {
    if (segment.bytes >= maxSegmentBytes || segment.bytes > MERGE_RATIO * bytes) break;
    merge.push(segment);
    bytes += segment.bytes;
  }
  return { merge, keep: parquet.filter((f) => !merge.includes(f)) };
}
