/**
 * Keeps an activity's heartbeat going while it works, so a crashed worker is noticed within the
 * heartbeat timeout, and passes on cancellation.
 */
import { Context } from '@temporalio/activity';

export async function whileHeartbeating<T>(work: (beat: (details?: unknown) => void) => Promise<T>, everyMs = 3_000): Promise<T> {
  const ctx = Context.current();
  let details: unknown;
  const beat = (d?: unknown): void => {
    details = d;
  };
  ctx.heartbeat();
  const timer = setInterval(() => ctx.heartbeat(details), everyMs);
  try {
    return await Promise.race([work(beat), ctx.cancelled]);
  } finally {
    clearInterval(timer);
  }
}
