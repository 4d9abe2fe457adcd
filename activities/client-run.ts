/**
 * A client run through all three layers in one activity. Every activity costs the orchestrator
 * and the worker a fixed amount whatever its size, and a client run is small when many clients
 * share the traffic: one activity instead of three per run is most of what a client costs.
 * Each layer writes exactly what its own activity writes, so fences and compensation work the
 * same; the layers share one start-to-close budget and one count of attempts (a retry starts
 * again from bronze, which rewrites the same files), and a failure is rethrown naming its layer.
 * Batch by batch, silver takes the records bronze just kept instead of reading and decoding
 * bronze's file again: each record is read from the lake and parsed once less.
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { ClientLayer, ClientRunInput, ClientRunLayers, LayerFailureDetails } from '../contract/types';
import { LakeLayout } from '../domain/lake-layout';
import { bronzeStep } from './bronze';
import { forEachBatch } from './client-lake';
import type { LakeDeps } from './deps';
import { createGoldActivities } from './gold';
import { guardClientRun } from './guards';
import type { RoutedSlices } from './routed-slices';
import { silverStep } from './silver';

/** What a run is made of: bronze and silver batch by batch, then gold over the whole run. */
export interface RunLayers {
  /** Each batch through bronze, then silver; a failure comes out named with its layer (see inLayer). */
  bronzeAndSilver(input: ClientRunInput): Promise<Pick<ClientRunLayers, 'bronze' | 'silver'>>;
  goldBatches(input: ClientRunInput): Promise<number>;
}

/** The layers over the lake; bronze takes the records this worker's ingest routed from `handoff` when it still has them. */
export function lakeRunLayers(deps: LakeDeps, handoff?: RoutedSlices): RunLayers {
  const { config, db, lakeId } = deps;
  const layout = new LakeLayout(config.lakeDir);
  const bronzeOf = bronzeStep(deps, layout, handoff);
  const silverOf = silverStep(deps, layout);
  return {
    bronzeAndSilver(input) {
      const { clientId, ruleActions } = input;
      let layer: 'bronze' | 'silver' = 'bronze';
      return inLayer(
        () => layer,
        async () => {
          const batches = guardClientRun({ config, lakeId }, input);
          const counts = await forEachBatch(db, layout, { clientId, batches, layer }, async (conn, batch, enter) => {
            enter((layer = 'bronze'));
            const bronze = await bronzeOf(conn, clientId, batch, ruleActions);
            enter((layer = 'silver'));
            const silver = await silverOf(conn, clientId, batch, ruleActions, bronze.kept);
            return { bronze: bronze.counts, silver };
          });
          return { bronze: counts.map((c) => c.bronze), silver: counts.map((c) => c.silver) };
        },
      );
    },
    goldBatches: createGoldActivities(deps).goldBatches,
  };
}

/**
 * Runs one layer's work (or work through layers, telling the one it is in); a failure comes out
 * as the same failure (type, message, retryability, retry delay) with its layer in its first
 * detail. A cancellation passes through untouched.
 */
export async function inLayer<T>(layer: ClientLayer | (() => ClientLayer), work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CancelledFailure || Context.current().cancellationSignal.aborted) throw err;
    throw withLayer(err, typeof layer === 'function' ? layer() : layer);
  }
}

/** The same failure with its layer added to its first detail (or, if that is no object, before it). */
function withLayer(err: unknown, layer: ClientLayer): ApplicationFailure {
  const app = err instanceof ApplicationFailure ? err : undefined;
  const e = err instanceof Error ? err : new Error(String(err));
  const [first, ...more] = app?.details ?? [];
  const details =
    typeof first === 'object' && first !== null
      ? [{ ...first, layer } satisfies LayerFailureDetails, ...more]
      : [{ layer } satisfies LayerFailureDetails, ...(app?.details ?? [])];
  return ApplicationFailure.create({
    message: e.message,
    // As the SDK names a plain error's failure type, so retry policies see the same type either way.
    type: app ? (app.type ?? undefined) : e.constructor.name || e.name,
    nonRetryable: app?.nonRetryable ?? false,
    nextRetryDelay: app?.nextRetryDelay ?? undefined,
    details,
    cause: app ? app.cause : e,
  });
}

export function createClientRunActivities(layers: RunLayers) {
  return {
    async runClientBatches(input: ClientRunInput): Promise<ClientRunLayers> {
      const { bronze, silver } = await layers.bronzeAndSilver(input);
      const goldRows = await inLayer('gold', () => layers.goldBatches(input));
      return { bronze, silver, goldRows };
    },
  };
}
