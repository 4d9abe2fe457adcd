/**
 * Generations of a client's tables. A refresh builds the tables into a staging generation,
 * `<lakeDir>/_generations/<client>/<generation>/`, then switches each live folder (a table's,
 * or the client's folder of bronze/silver error rows and quality metrics) to it: the live folder
 * becomes a link to the generation's, replaced in one rename. Pure: names only.
 */
import path from 'node:path';
import { LakeLayout, tableName } from './lake-layout';
import type { Layer } from './lake-layout';
import type { RefreshTable } from '../contract/refresh';

export const GENERATIONS_DIR = '_generations';

/** Generation names are made by the workflow; they become folder names, so only these pass. */
export const GENERATION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

export function clientGenerationsDir(lakeDir: string, clientId: string): string {
  // tableName checks the client id before it becomes part of a path.
  return path.join(lakeDir, GENERATIONS_DIR, tableName.bronze(clientId).slice('bronze_'.length));
}

/** One live folder and the folder of the staging generation that replaces it. */
export interface SwitchedFolder {
  live: string;
  staged: string;
}

/** A layout whose tables in `tables` (and those layers' error and metric files) are the staging generation's. */
export class StagingLayout extends LakeLayout {
  readonly generationDir: string;
  private readonly live: LakeLayout;
  private readonly staged: ReadonlySet<RefreshTable>;

  constructor(
    lakeDir: string,
    readonly clientId: string,
    generation: string,
    tables: readonly RefreshTable[],
  ) {
    super(lakeDir);
    this.live = new LakeLayout(lakeDir);
    if (!GENERATION_PATTERN.test(generation)) throw new Error(`refusing to build a path from generation ${JSON.stringify(generation)}`);
    this.generationDir = path.join(clientGenerationsDir(lakeDir, clientId), generation);
    this.staged = new Set(tables);
  }

  private in(table: RefreshTable, clientId: string): boolean {
    return clientId === this.clientId && this.staged.has(table);
  }

  override bronzeDir(clientId: string): string {
    return this.in('bronze', clientId) ? path.join(this.generationDir, 'bronze') : super.bronzeDir(clientId);
  }
  override silverDir(clientId: string): string {
    return this.in('silver', clientId) ? path.join(this.generationDir, 'silver') : super.silverDir(clientId);
  }
  override goldDir(clientId: string): string {
    return this.in('gold', clientId) ? path.join(this.generationDir, 'gold') : super.goldDir(clientId);
  }
  override errorsFile(layer: Layer, scope: string, batch: string): string {
    if ((layer === 'bronze' || layer === 'silver') && this.in(layer, scope))
      return path.join(this.generationDir, `errors_${layer}`, `${batch}.parquet`);
    return super.errorsFile(layer, scope, batch);
  }
  override metricsFile(layer: Layer, scope: string, batch: string): string {
    if ((layer === 'bronze' || layer === 'silver') && this.in(layer, scope))
      return path.join(this.generationDir, `metrics_${layer}`, `${batch}.parquet`);
    return super.metricsFile(layer, scope, batch);
  }
  /** Compensation marks guard the live tables; a staging generation has none of its own. */
  override discardedFile(clientId: string, batch: string): string {
    return clientId === this.clientId ? path.join(this.generationDir, '_discarded', `${batch}.json`) : super.discardedFile(clientId, batch);
  }

  /** The batches the generation was built from (a list kept in the lake, never in history). */
  get refreshPlanFile(): string {
    return path.join(this.generationDir, 'plan.json');
  }

  /** Every live folder the generation replaces, with its staged counterpart. */
  switchedFolders(): SwitchedFolder[] {
    const c = this.clientId;
    const pair = (live: string, staged: string): SwitchedFolder => ({ live, staged });
    const folders: SwitchedFolder[] = [];
    for (const layer of ['bronze', 'silver'] as const) {
      if (!this.in(layer, c)) continue;
      folders.push(
        pair(layer === 'bronze' ? this.live.bronzeDir(c) : this.live.silverDir(c), layer === 'bronze' ? this.bronzeDir(c) : this.silverDir(c)),
        pair(path.dirname(this.live.errorsFile(layer, c, 'x')), path.dirname(this.errorsFile(layer, c, 'x'))),
        pair(path.dirname(this.live.metricsFile(layer, c, 'x')), path.dirname(this.metricsFile(layer, c, 'x'))),
      );
    }
    if (this.in('gold', c)) folders.push(pair(this.live.goldDir(c), this.goldDir(c)));
    return folders;
  }
}

/** Every live folder a refresh of this client may switch (whichever tables it rebuilds). */
export function generationFolders(lakeDir: string, clientId: string): string[] {
  return new StagingLayout(lakeDir, clientId, 'all', ['bronze', 'silver', 'gold']).switchedFolders().map((f) => f.live);
}

/** A batch id back into its topic and sequence (`<topic>.<seq, 9 digits>`), or null. */
export function parseBatchId(batchId: string): { topic: string; seq: number } | null {
  const m = /^(.+)\.(\d{9,})$/.exec(batchId);
  return m?.[1] && m[2] ? { topic: m[1], seq: Number(m[2]) } : null;
}
