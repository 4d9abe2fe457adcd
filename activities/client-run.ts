/**
 * A client run through all three layers in one activity. Every activity costs the orchestrator
 * and the worker a fixed amount whatever its size, and a client run is small when many clients
 * share the traffic: one activity instead of three per run is most of what a client costs.
 * Each layer does exactly what its own activity does, so retries, fences and compensation work
 * the same; a failure is rethrown naming the layer it happened in.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/activity';
import type { ClientLayer, ClientRunInput, ClientRunLayers, LayerFailureDetails } from '../contract/types';
import type { createBronzeActivities } from './bronze';
import type { createGoldActivities } from './gold';
import type { createSilverActivities } from './silver';

type LayerActivities = Pick<ReturnType<typeof createBronzeActivities>, 'bronzeBatches'> &
  Pick<ReturnType<typeof createSilverActivities>, 'silverBatches'> &
  Pick<ReturnType<typeof createGoldActivities>, 'goldBatches'>;

/**
 * Runs one layer's work; a failure comes out as the same failure (type, message, retryability,
 * retry delay) with its layer as the first detail. A cancellation passes through untouched.
 */
export async function inLayer<T>(layer: ClientLayer, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (err instanceof CancelledFailure) throw err;
    const e = err instanceof Error ? err : new Error(String(err));
    const app = err instanceof ApplicationFailure ? err : undefined;
    const [first, ...more] = app?.details ?? [];
    const details: LayerFailureDetails = { ...(typeof first === 'object' && first !== null ? first : {}), layer };
    throw ApplicationFailure.create({
      message: e.message,
      type: app ? (app.type ?? undefined) : e.name,
      nonRetryable: app?.nonRetryable ?? false,
      nextRetryDelay: app?.nextRetryDelay ?? undefined,
      details: [details, ...more],
      cause: e,
    });
  }
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
