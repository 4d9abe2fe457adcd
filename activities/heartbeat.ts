/**
 * Keeps an activity's heartbeat going while it works, so a crashed worker is noticed within the
 * heartbeat timeout, passes on cancellation (to the caller at once, and to the work), and fences
 * the attempt: once it is cancelled, nothing its work still tries to publish reaches the lake.
 *
 * An attempt learns that it is stale when the worker tells it: a cancel request, or a heartbeat
 * the server no longer accepts (the attempt timed out), arrives with the response to the next
 * heartbeat the worker sends (it sends at most every 0.8 × heartbeat timeout, or its
 * maxHeartbeatThrottleInterval if shorter);
 * an attempt whose heartbeats do not reach the server at all is cancelled by the worker itself,
 * a few seconds after its heartbeat timeout. Between the server's decision and that moment a
 * stale attempt can still publish: that window is what remains. It is closed where it would
 * do harm: an attempt that runs out of its start-to-close time closes its own fence shortly
 * before the server gives up on it, and compensation marks its batch so that attempts
 * scheduled before it publish nothing after it (discarded.ts, through `check`); gold, whose
 * day states later runs change, publishes a state or a gold file only while the state is still
 * the one it read (gold.ts); and compaction and a refresh's switch put a folder's new
 * generation in place only while the live folder still holds what they read from it
 * (compaction.ts, refresh.ts). Otherwise a late publish rewrites a batch's files under the same
 * names with the same records. Closing the window in general would take a publish conditional
 * on the current attempt, which a plain file system cannot offer.
 */
import { Context } from '@temporalio/activity';
import { withPublishFence } from '../adapters/lake/fence';
import type { PublishCheck } from '../adapters/lake/fence';

/** How long a cancelled attempt's work gets to wind down (and drop its temp files) before the cancellation is reported. */
const WIND_DOWN_MS = 2_000;
/**
 * The fence also goes down this much before the attempt's start-to-close timeout (measured from
 * when this worker got the task, a little after the server started it): the worker itself would
 * only cancel it some seconds after the server gave up on it.
 */
const DEADLINE_MARGIN_MS = 2_000;

/**
 * When each attempt's first wrapped step began, by this worker's clock: an activity of several
 * steps (a client run's three layers) has one start-to-close budget for all of them.
 */
const attemptStarts = new WeakMap<Context, number>();

/** The attempt's fence: down once it is cancelled, or (by its own clock) out of time. */
function attemptFence(ctx: Context): { signal: AbortSignal; dispose: () => void } {
  const budget = ctx.info.startToCloseTimeoutMs;
  if (!budget) return { signal: ctx.cancellationSignal, dispose: () => undefined };
  const startedAt = attemptStarts.get(ctx) ?? Date.now();
  attemptStarts.set(ctx, startedAt);
  const deadline = new AbortController();
  const timer = setTimeout(
    () => deadline.abort(new Error(`the attempt is about to exceed its start-to-close timeout of ${budget} ms; it publishes nothing more`)),
    Math.max(0, startedAt + budget - Math.min(DEADLINE_MARGIN_MS, budget / 10) - Date.now()),
  );
  return { signal: AbortSignal.any([ctx.cancellationSignal, deadline.signal]), dispose: () => clearTimeout(timer) };
}

export interface HeartbeatOptions {
  everyMs?: number;
  /** Asks the lake, before each publish, whether this attempt is still current. */
  check?: PublishCheck;
  /** Details of the first heartbeat (until the work beats its own). */
  details?: unknown;
}

export async function whileHeartbeating<T>(
  work: (beat: (details?: unknown) => void, cancelled: AbortSignal) => Promise<T>,
  { everyMs = 1_000, check, details: initial }: HeartbeatOptions = {},
): Promise<T> {
  const ctx = Context.current();
  const { signal: fence, dispose } = attemptFence(ctx);
  let details: unknown = initial;
  const beat = (d?: unknown): void => {
    details = d;
  };
  ctx.heartbeat(details);
  const timer = setInterval(() => ctx.heartbeat(details), everyMs);
  // The work gets the signal too, so its loops and reads stop rather than run on unseen, and it
  // runs inside the fence, so its publishes are refused once the attempt is cancelled.
  const running = withPublishFence(fence, () => work(beat, fence), check);
  try {
    return await Promise.race([running, ctx.cancelled]);
  } catch (e) {
    if (fence.aborted) await settledWithin(running, WIND_DOWN_MS);
    throw e;
  } finally {
    clearInterval(timer);
    dispose();
  }
}

/** Waits until `p` settles (either way), or at most `ms`. */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([
      p.then(
        () => undefined,
        () => undefined,
      ),
      limit,
    ]);
  } finally {
    clearTimeout(timer);
  }
}
