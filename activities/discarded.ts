/**
 * Marks of compensated batches. Compensation leaves one per client batch, saying when (on the
 * server's clock) it was scheduled; an attempt of that batch's bronze, silver or gold that was
 * scheduled before it is stale, and the mark refuses its publishes. This closes the window the
 * cancellation fence leaves (see heartbeat.ts) for the case that matters most: a late attempt
 * bringing back files that compensation removed. A replay is scheduled after the mark, so it
 * writes as usual.
 */
import { Context } from '@temporalio/activity';
import { readJsonIfExists, writeJsonAtomically } from '../adapters/lake/files';
import type { PublishCheck } from '../adapters/lake/fence';
import type { LakeLayout } from '../domain/lake-layout';
import type { ClientBatchInput } from '../contract/types';

interface DiscardedMark {
  /** When the compensating attempt was scheduled, in ms on the server's clock. */
  scheduledMs: number;
  discardedAt: string;
}

/** When this attempt was scheduled, on the server's clock (comparable across workers). */
function attemptScheduledMs(): number {
  return Context.current().info.currentAttemptScheduledTimestampMs;
}

/** Leaves the mark of the current (compensating) attempt. Called before anything is removed. */
export async function markDiscarded(layout: LakeLayout, { clientId, batch }: Pick<ClientBatchInput, 'clientId' | 'batch'>): Promise<void> {
  const mark: DiscardedMark = { scheduledMs: attemptScheduledMs(), discardedAt: new Date().toISOString() };
  await writeJsonAtomically(layout.discardedFile(clientId, batch.batchId), mark);
}

/** The publish check of an attempt working on a client batch: refuses once the batch was compensated after it was scheduled. */
export function notDiscardedSince(layout: LakeLayout, { clientId, batch }: Pick<ClientBatchInput, 'clientId' | 'batch'>): PublishCheck {
  const scheduledMs = attemptScheduledMs();
  const file = layout.discardedFile(clientId, batch.batchId);
  return async () => {
    const mark = await readJsonIfExists<DiscardedMark>(file);
    if (mark && typeof mark.scheduledMs === 'number' && mark.scheduledMs > scheduledMs) {
      throw new Error(`batch ${batch.batchId} of ${clientId} was discarded after this attempt was scheduled: it publishes nothing`);
    }
  };
}

/** The publish check of an attempt working on several batches together: refuses once any of them was compensated after it was scheduled. */
export function noneDiscardedSince(layout: LakeLayout, clientId: string, batches: readonly ClientBatchInput['batch'][]): PublishCheck {
  const checks = batches.map((batch) => notDiscardedSince(layout, { clientId, batch }));
  return async () => {
    for (const check of checks) await check();
  };
}
