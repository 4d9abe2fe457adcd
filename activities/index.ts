/**
 * All activities, built from the IO handles the worker owns. Workflows see them only through
 * contract/activities.ts.
 */
import type { PipelineActivities } from '../contract/activities';
import { createAlertActivities } from './alerts';
import { createBronzeActivities } from './bronze';
import { createClientRunActivities, lakeRunLayers } from './client-run';
import { createCompactionActivities } from './compaction';
import { createCompensationActivities } from './compensation';
import type { ActivityDeps } from './deps';
import { createFailureActivities } from './failures';
import { createGoldActivities } from './gold';
import { createIngestActivities } from './ingest';
import { createScheduledRunActivities } from './scheduled-run';
import { createRefreshActivities } from './refresh';
import { RoutedSlices } from './routed-slices';
import { createSilverActivities } from './silver';

export type { ActivityDeps } from './deps';

export function createActivities(deps: ActivityDeps): PipelineActivities {
  // Two batches' worth of values (about six in memory): with many clients, a batch's slices are
  // still being taken when the next batch lands.
  const handoff = new RoutedSlices(2 * deps.config.batch.maxBytes);
  return {
    ...createIngestActivities(deps, handoff),
    ...createBronzeActivities(deps),
    ...createSilverActivities(deps),
    ...createGoldActivities(deps),
    ...createClientRunActivities(lakeRunLayers(deps, handoff)),
    ...createCompensationActivities(deps),
    ...createCompactionActivities(deps),
    ...createRefreshActivities(deps),
    ...createFailureActivities(deps),
    ...createAlertActivities(deps),
    ...createScheduledRunActivities(deps),
  };
}
