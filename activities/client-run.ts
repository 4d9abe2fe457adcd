/**
 * A client run through all three layers in one activity. Every activity costs the orchestrator
 * and the worker a fixed amount whatever its size, and a client run is small when many clients
 * share the traffic: one activity instead of three per run is most of what a client costs.
 * Each layer does exactly what its own activity does, so fences and compensation work the same;
 * the layers share one start-to-close budget and one count of attempts (a retry starts again
 * from bronze, which rewrites the same files), and a failure is rethrown naming its layer.
 */
import { ApplicationFailure, CancelledFailure, Context } from '@temporalio/activity';
import type { ClientLayer, ClientRunInput, ClientRunLayers, LayerFailureDetails } from '../contract/types';
import type { createBronzeActivities } from './bronze';
import type { createGoldActivities } from './gold';
import type { createSilverActivities } from './silver';

type LayerActivities = Pick<ReturnType<typeof createBronzeActivities>, 'bronzeBatches'> &
  Pick<ReturnType<typeof createSilverActivities>, 'silverBatches'> &
  Pick<ReturnType<typeof createGoldActivities>, 'goldBatches'>;

/**
 * Runs one layer's work; a failure comes out as the same failure (type, message, retryability,
 * retry delay) with its layer in its first detail. A cancellation passes through untouched.
 */
export async function inLayer<T>(layer: ClientLayer, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CancelledFailure || Context.current().cancellationSignal.aborted) throw err;
    throw withLayer(err, layer);
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

export function createClientRunActivities(layers: LayerActivities) {
  return {
    async runClientBatches(input: ClientRunInput): Promise<ClientRunLayers> {
      const bronze = await inLayer('bronze', () => layers.bronzeBatches(input));
      const silver = await inLayer('silver', () => layers.silverBatches(input));
      const goldRows = await inLayer('gold', () => layers.goldBatches(input));
      return { bronze, silver, goldRows };
    },
  };
}
