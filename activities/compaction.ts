/**
 * Compaction of a client's tables, between its runs: each of its folders of per-batch files
 * (bronze, silver, and those layers' error and metric rows) is rebuilt as a new generation whose
 * small files are merged into one segment, then switched in with one rename
 * (adapters/lake/generations.ts). Rows never change, only the files holding them, so a reader
 * of any folder sees the same rows before, during and after; a crash at any point leaves either
 * generation live and a later compaction starts again from what is live.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { withConnection } from '../adapters/lake/duck';
import { withPublishCheck } from '../adapters/lake/fence';
import { folderUnchangedSince } from '../adapters/lake/files';
import { liveGeneration, removeGenerationsExcept, switchFolder } from '../adapters/lake/generations';
import { buildCompactedFolder } from '../adapters/lake/segments';
import { COMPACTION_GENERATION_PREFIX, compactionGeneration } from '../domain/compaction';
import { clientGenerationsDir, generationFolders, StagingLayout } from '../domain/generations';
import type { CompactionInput, CompactionOutcome } from '../contract/types';
import type { LakeDeps } from './deps';
import { assertClientId, assertSameLake } from './guards';
import { whileHeartbeating } from './heartbeat';

/** A folder is compacted once it holds this many per-batch files. */
const MIN_FILES = 2;

export function createCompactionActivities({ config, db, lakeId }: LakeDeps) {
  return {
    async compactClientTables(input: CompactionInput): Promise<CompactionOutcome> {
      assertSameLake(input.lakeId, { lakeId, lakeDir: config.lakeDir });
      assertClientId(input.clientId);
      const { clientId } = input;
      const { lakeDir } = config;
      const id = randomUUID();
      const generation = compactionGeneration(id);
      const layout = new StagingLayout(lakeDir, clientId, generation, ['bronze', 'silver']);
      const outcome: CompactionOutcome = { clientId, folders: 0, filesBefore: 0, filesAfter: 0 };
      await whileHeartbeating(
        (beat) =>
          withConnection(db, async (conn) => {
            // Rows are merged in no particular order: DuckDB then streams them with less memory.
            await conn.run('SET preserve_insertion_order = false');
            const keep = new Set([generation, `${generation}-retired`]);
            for (const folder of layout.switchedFolders()) {
              beat({ folder: path.relative(lakeDir, folder.live) });
              const before = await liveGeneration(lakeDir, clientId, folder.live);
              if (before !== null) keep.add(before);
              // Switched in only if the live folder still holds what the copy was built from: an
              // attempt that outlived its turn (see heartbeat.ts) would otherwise take away the
              // files of the runs since.
              const asBuilt = folderUnchangedSince(folder.live);
              const built = await buildCompactedFolder(
                conn,
                { ...folder, segmentId: id },
                { minFiles: MIN_FILES, maxSegmentBytes: config.compaction.sealedSegmentBytes },
              );
              if (built === null) continue;
              await withPublishCheck(asBuilt, () =>
                switchFolder(folder, path.join(clientGenerationsDir(lakeDir, clientId), `${generation}-retired`)),
              );
              outcome.folders += 1;
              outcome.filesBefore += built.filesBefore;
              outcome.filesAfter += built.filesAfter;
            }
            // Kept: every generation live now, and those live until now (a reader may be on one).
            for (const live of generationFolders(lakeDir, clientId)) {
              const gen = await liveGeneration(lakeDir, clientId, live);
              if (gen !== null) keep.add(gen);
            }
            // Only compaction's own: a refresh may be building a generation of its own meanwhile.
            await removeGenerationsExcept(lakeDir, clientId, keep, (name) => name.startsWith(COMPACTION_GENERATION_PREFIX));
          }),
        { details: { clientId } },
      );
      return outcome;
    },
  };
}
