/**
 * The ingest's files in `<lakeDir>/_ingest/<topic>/`: one plan file and one done file per batch.
 * Read back validated; pruned to the recent batches, since the newest done file alone is the
 * Kafka position.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { batchPlanSchema, highestSeq, ingestFilesPrunable } from '../../domain/batch-plan';
import type { BatchPlan } from '../../domain/batch-plan';
import type { LakeLayout } from '../../domain/lake-layout';
import { listFiles, writeJsonAtomically } from './files';
import { corruptFile, readJsonFile } from './json-file';

/** What the done file records: enough to answer a retry and to hand the batch to clients. */
export const batchManifestSchema = batchPlanSchema.omit({ plannedAt: true }).extend({
  messages: z.number().int().nonnegative(),
  unroutable: z.number().int().nonnegative(),
  /** Routable records per client. */
  clients: z.record(z.string(), z.number().int().nonnegative()),
  /** Kafka timestamp of each client's oldest message (absent in done files written before it was kept). */
  clientOldestAt: z.record(z.string(), z.string()).optional(),
  completedAt: z.string(),
});
export type BatchManifest = z.infer<typeof batchManifestSchema>;

/** `<seq>.plan.json`, `<seq>.done.json`, and temporary files left beside them by a crash. */
const BATCH_FILE = /^(\d+)\.(plan|done)\.json(\.tmp-.*)?$/;
/** Files removed per prune, and at once. */
const PRUNE_LIMIT = 20_000;
const PRUNE_PARALLEL = 64;

export class IngestStore {
  constructor(private readonly layout: LakeLayout) {}

  /** A batch file must describe the batch it is named after: a copied file is foreign. */
  private async read<T extends { topic: string; seq: number }>(file: string, schema: z.ZodType<T>, what: string, topic: string, seq: number): Promise<T | null> {
    const value = await readJsonFile(file, schema, what);
    if (value && (value.topic !== topic || value.seq !== seq)) throw corruptFile(file, what, `it describes batch #${value.seq} of ${value.topic}`);
    return value;
  }

  readPlan(topic: string, seq: number): Promise<BatchPlan | null> {
    return this.read(this.layout.planFile(topic, seq), batchPlanSchema, 'batch plan', topic, seq);
  }

  /** Writes a new plan unless one exists; returns the plan that won (two attempts may race). */
  async createPlan(plan: BatchPlan): Promise<BatchPlan> {
    if (await writeJsonAtomically(this.layout.planFile(plan.topic, plan.seq), plan, { onlyIfAbsent: true })) return plan;
    const winner = await this.readPlan(plan.topic, plan.seq);
    if (!winner) throw new Error(`plan of batch #${plan.seq} of ${plan.topic} vanished after another attempt wrote it`);
    return winner;
  }

  readDone(topic: string, seq: number): Promise<BatchManifest | null> {
    return this.read(this.layout.doneFile(topic, seq), batchManifestSchema, 'done file', topic, seq);
  }

  async writeDone(manifest: BatchManifest): Promise<void> {
    await writeJsonAtomically(this.layout.doneFile(manifest.topic, manifest.seq), manifest);
  }

  /** The newest done batch of a topic, or -1. */
  async newestDone(topic: string): Promise<number> {
    const names = await listFiles(this.layout.ingestDir(topic), '.done.json');
    return highestSeq(names.flatMap((name) => seqOf(name, 'done')));
  }

  /**
   * Removes the files of batches far behind `newestDone` (see INGEST_FILES_KEPT), at most
   * PRUNE_LIMIT per call so no single batch pays for a long backlog. Safe to run concurrently and
   * to repeat; stops early, without harm, when `cancelled` fires. Returns how many it removed.
   */
  async prune(topic: string, newestDone: number, cancelled?: AbortSignal): Promise<number> {
    const dir = this.layout.ingestDir(topic);
    const old = (await listFiles(dir, '')).filter((name) => seqOf(name).some((seq) => ingestFilesPrunable(seq, newestDone))).slice(0, PRUNE_LIMIT);
    for (let i = 0; i < old.length; i += PRUNE_PARALLEL) {
      cancelled?.throwIfAborted();
      await Promise.all(old.slice(i, i + PRUNE_PARALLEL).map((name) => removeIfPresent(path.join(dir, name))));
    }
    return old.length;
  }
}

/** The batch a file in `_ingest/<topic>/` belongs to (empty for other files). */
function seqOf(name: string, kind?: 'plan' | 'done'): number[] {
  const m = BATCH_FILE.exec(name);
  if (!m || (kind !== undefined && (m[2] !== kind || m[3] !== undefined))) return [];
  return [Number(m[1])];
}

async function removeIfPresent(file: string): Promise<void> {
  try {
    await fs.unlink(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
