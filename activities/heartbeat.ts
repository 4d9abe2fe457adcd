/**
 * Keeps an activity's heartbeat going while it works, so a crashed worker is noticed within the
 * heartbeat timeout, and passes on cancellation (to the caller at once, and to the work).
 */
import { Context } from '@temporalio/activity';

export async function whileHeartbeating<T>(
  work: (beat: (details?: unknown) => void, cancelled: AbortSignal) => Promise<T>,
  everyMs = 3_000,
): Promise<T> {
  const ctx = Context.current();
  let details: unknown;
  const beat = (d?: unknown): void => {
    details = d;
  };
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(details), everyMs);
  try {
    // The work gets the signal too, so its loops and reads stop rather than run on unseen.
    return await Promise.race([work(beat, ctx.cancellationSignal), ctx.cancelled]);
  } finally {
    clearInterval(timer);
  }
}
