/**
 * Refresh: rebuilds a client's tables from kafka_raw_bronze with the rule actions it is given,
 * into a staging generation, with the same bronze, silver and gold builders as the live batches;
 * then catches the generation up with the batches processed meanwhile and switches the live
 * folders to it (domain/generations.ts). Until the switch the old tables stay live, so a crash
 * at any point leaves them untouched, and every step can be repeated.
 */
import path from 'node:path';
import { ApplicationFailure } from '@temporalio/activity';
import { withConnection, countRows } from '../adapters/lake/duck';
import { folderUnchangedSince, listFiles, readJsonIfExists, removeFile, writeJsonAtomically } from '../adapters/lake/files';
import { withPublishCheck } from '../adapters/lake/fence';
import { hasParquet } from '../adapters/lake/catalog';
import { folderBatches } from '../adapters/lake/segments';
import { liveGeneration, removeGenerationsExcept, switchFolder } from '../adapters/lake/generations';
import { clientGenerationsDir, GENERATION_PATTERN, generationFolders, parseBatchId, StagingLayout } from '../domain/generations';
import { refreshTablesProblem } from '../domain/refresh-tables';
import { batchId as batchIdOf, LakeLayout } from '../domain/lake-layout';
import { sqlString } from '../domain/sql';
import { ErrorType } from '../contract/errors';
import type { RefreshInput, RefreshOutcome, RefreshTable } from '../contract/refresh';
import type { ClientBatchInput } from '../contract/types';
import type { LakeDeps } from './deps';
import { createBronzeActivities } from './bronze';
import { rebuildGold, touchedSlices } from './gold';
import { assertClientId, assertSameLake } from './guards';
import { whileHeartbeating } from './heartbeat';
import { createSilverActivities } from './silver';

interface RefreshPlan {
  /** The batches the staging generation holds. */
  batches: string[];
}

export function createRefreshActivities(deps: LakeDeps) {
  const { config, db, lakeId } = deps;
  const live = new LakeLayout(config.lakeDir);

  function staging(input: RefreshInput): StagingLayout {
    assertSameLake(input.lakeId, { lakeId, lakeDir: config.lakeDir });
    assertClientId(input.clientId);
    const problem = Array.isArray(input.tables) ? refreshTablesProblem(input.tables) : 'tables must be a list';
    if (problem !== null) throw ApplicationFailure.nonRetryable(`refresh refused: ${problem}`, ErrorType.InvalidInput);
    if (typeof input.generation !== 'string' || !GENERATION_PATTERN.test(input.generation)) {
      throw ApplicationFailure.nonRetryable(
        `refresh refused: generation ${JSON.stringify(String(input.generation).slice(0, 80))}`,
        ErrorType.InvalidInput,
      );
    }
    return new StagingLayout(config.lakeDir, input.clientId, input.generation, input.tables);
  }

  /** The client's batches that went through: each leaves its file (or its place in a segment) in the live bronze table. */
  async function processedBatches(clientId: string): Promise<string[]> {
    const ids = await folderBatches(live.bronzeDir(clientId));
    return ids.filter((id) => {
      const ref = parseBatchId(id);
      return ref !== null && batchIdOf(ref.topic, ref.seq) === id;
    });
  }

  async function readPlan(layout: StagingLayout): Promise<RefreshPlan> {
    const plan = await readJsonIfExists<RefreshPlan>(layout.refreshPlanFile);
    if (!plan) throw ApplicationFailure.nonRetryable(`no refresh plan at ${layout.refreshPlanFile}`, ErrorType.InvalidInput);
    return plan;
  }

  /** Rebuilds the batches' bronze and silver (those asked for) in the staging generation. */
  async function buildBatches(layout: StagingLayout, input: RefreshInput, batchIds: readonly string[], beat: (d: unknown) => void): Promise<void> {
    const bronze = createBronzeActivities(deps, layout);
    const silver = createSilverActivities(deps, layout);
    for (const [i, id] of batchIds.entries()) {
      const ref = parseBatchId(id);
      if (!ref) continue;
      const args: ClientBatchInput = {
        clientId: input.clientId,
        batch: { ...ref, batchId: id, records: 0 },
        ruleActions: input.ruleActions,
        lakeId: input.lakeId,
      };
      if (input.tables.includes('bronze')) await bronze.bronzeBatch(args);
      if (input.tables.includes('silver')) await silver.silverBatch(args);
      beat({ built: i + 1, of: batchIds.length });
    }
  }

  /** Removes what the staging generation holds of batches that are no longer processed. */
  async function dropBatches(layout: StagingLayout, input: RefreshInput, batchIds: readonly string[]): Promise<void> {
    const c = input.clientId;
    for (const id of batchIds) {
      for (const layer of ['bronze', 'silver'] as const) {
        if (!input.tables.includes(layer)) continue;
        await removeFile(layer === 'bronze' ? layout.bronzeFile(c, id) : layout.silverFile(c, id));
        await removeFile(layout.errorsFile(layer, c, id));
        await removeFile(layout.metricsFile(layer, c, id));
      }
    }
  }

  /**
   * Rebuilds the staged gold slices the silver of these batches falls in; `fresh`: every slice of
   * the client's silver (its own files or, compacted, segments), after dropping all gold and its states.
   */
  async function buildGold(layout: StagingLayout, clientId: string, batchIds: readonly string[], { fresh = false } = {}): Promise<void> {
    const silverDir = layout.silverDir(clientId);
    if (fresh) {
      for (const dir of [layout.goldDir(clientId), layout.goldStateDir(clientId)]) {
        for (const name of await listFiles(dir, '.parquet')) await removeFile(path.join(dir, name));
      }
    }
    const silverFiles = fresh
      ? (await listFiles(silverDir, '.parquet')).map((name) => path.join(silverDir, name))
      : batchIds.map((id) => layout.silverFile(clientId, id));
    await withConnection(db, async (conn) => rebuildGold(conn, layout, clientId, await touchedSlices(conn, silverFiles)));
  }

  async function rowsOf(layout: StagingLayout, clientId: string, tables: readonly RefreshTable[]): Promise<Partial<Record<RefreshTable, number>>> {
    const dirs = { bronze: layout.bronzeDir(clientId), silver: layout.silverDir(clientId), gold: layout.goldDir(clientId) };
    const rows: Partial<Record<RefreshTable, number>> = {};
    await withConnection(db, async (conn) => {
      for (const t of tables) {
        rows[t] = (await hasParquet(dirs[t], 0))
          ? await countRows(conn, `SELECT * FROM read_parquet(${sqlString(path.join(dirs[t], '*.parquet'))})`)
          : 0;
      }
    });
    return rows;
  }

  return {
    /** Between batches: the batches processed so far become the plan of the staging generation. */
    async beginRefresh(input: RefreshInput): Promise<number> {
      const layout = staging(input);
      const batches = await processedBatches(input.clientId);
      await whileHeartbeating(() => writeJsonAtomically(layout.refreshPlanFile, { batches } satisfies RefreshPlan));
      return batches.length;
    },

    /** Builds the planned batches into the staging generation, while the client's batches go on. */
    async refreshClient(input: RefreshInput): Promise<number> {
      const layout = staging(input);
      const { batches } = await readPlan(layout);
      await whileHeartbeating(async (beat) => {
        await buildBatches(layout, input, batches, beat);
        if (input.tables.includes('gold')) await buildGold(layout, input.clientId, batches, { fresh: true });
      });
      return batches.length;
    },

    /** Between batches: adds what was processed since the plan, then switches the live folders. */
    async switchRefresh(input: RefreshInput): Promise<RefreshOutcome> {
      const layout = staging(input);
      const { clientId, generation } = input;
      // Each live folder is switched only while it holds what it held when the batches to catch
      // up with were read: an attempt that outlived its turn (see heartbeat.ts; the refresh given
      // up meanwhile, the client's runs gone on) would otherwise take away the files of those runs.
      const folders = layout.switchedFolders().map((folder) => ({ folder, asRead: folderUnchangedSince(folder.live) }));
      const plan = await readPlan(layout);
      const now = await processedBatches(clientId);
      const added = now.filter((id) => !plan.batches.includes(id));
      const gone = plan.batches.filter((id) => !now.includes(id));
      const allAsRead = async () => {
        for (const { asRead } of folders) await asRead();
      };
      await whileHeartbeating(async (beat) => {
        // Into the staging generation, already live for the folders an earlier attempt switched;
        // a retry then has nothing to catch up with, and a late attempt is refused before it writes.
        await withPublishCheck(allAsRead, async () => {
          await buildBatches(layout, input, added, beat);
          await dropBatches(layout, input, gone);
          // Slices of batches gone from silver are unknown: then every slice is rebuilt.
          if (input.tables.includes('gold')) await buildGold(layout, clientId, gone.length > 0 ? now : added, { fresh: gone.length > 0 });
          await writeJsonAtomically(layout.refreshPlanFile, { batches: now } satisfies RefreshPlan);
        });
        const retired = `retired-${generation}`;
        const keep = new Set([generation, retired]);
        for (const { folder, asRead } of folders) {
          const before = await liveGeneration(config.lakeDir, clientId, folder.live);
          if (before !== null) keep.add(before);
          await withPublishCheck(asRead, () => switchFolder(folder, path.join(clientGenerationsDir(config.lakeDir, clientId), retired)));
        }
        // Kept: what is live, and what was live until now (a reader may still be reading it).
        for (const folder of generationFolders(config.lakeDir, clientId)) {
          const gen = await liveGeneration(config.lakeDir, clientId, folder);
          if (gen !== null) keep.add(gen);
        }
        await removeGenerationsExcept(config.lakeDir, clientId, keep);
      });
      return {
        clientId,
        tables: input.tables,
        generation,
        batches: now.length,
        caughtUp: added.length,
        rows: await rowsOf(layout, clientId, input.tables),
      };
    },
  };
}
