/**
 * Keeps an activity's heartbeat going while it works, so a crashed worker is noticed within the
 * heartbeat timeout, passes on cancellation (to the caller at once, and to the work), and fences
 * the attempt: once it is cancelled, nothing its work still tries to publish reaches the lake.
 *
 * An attempt learns that it is stale when the worker tells it: a cancel request, or a heartbeat
 * the server no longer accepts (the attempt timed out), arrives with the response to the next
 * heartbeat the worker sends (sends are throttled by the worker's maxHeartbeatThrottleInterval);
 * an attempt whose heartbeats do not reach the server at all is cancelled by the worker itself,
 * a few seconds after its heartbeat timeout. Between the server's decision and that moment a
 * stale attempt can still publish: that window is what remains. Every file a batch publishes
 * has a deterministic name and content, so a late rewrite there is harmless; a gold slice is
 * rebuilt from all silver files, so a late one is only wrong if silver changed meanwhile.
 * Closing the window fully would take a publish conditional on the current attempt, which a
 * plain file system cannot offer.
 */
import { Context } from '@temporalio/activity';
import { withPublishFence } from '../adapters/lake/fence';

/** How long a cancelled attempt's work gets to wind down (and drop its temp files) before the cancellation is reported. */
const WIND_DOWN_MS = 2_000;

export async function whileHeartbeating<T>(
  work: (beat: (details?: unknown) => void, cancelled: AbortSignal) => Promise<T>,
  everyMs = 1_000,
): Promise<T> {
  const ctx = Context.current();
  const fence = ctx.cancellationSignal;
  let details: unknown;
  const beat = (d?: unknown): void => {
    details = d;
  };
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(details), everyMs);
  // The work gets the signal too, so its loops and reads stop rather than run on unseen, and it
  // runs inside the fence, so its publishes are refused once the attempt is cancelled.
  const running = withPublishFence(fence, () => work(beat, fence));
  try {
    return await Promise.race([running, ctx.cancelled]);
  } catch (e) {
    if (fence.aborted) await settledWithin(running, WIND_DOWN_MS);
    throw e;
  } finally {
    clearInterval(timer);
  }
}

/** Waits until `p` settles (either way), or at most `ms`. */
async function settledWithin(p: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, ms);
  });
  try {
    await Promise.race([p.then(
      () => undefined,
      () => undefined,
    ), limit]);
  } finally {
    clearTimeout(timer);
  }
}
