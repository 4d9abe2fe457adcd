/** How often a schedule runs: `30s`, `15m`, `1h`, `2d`. Pure; whole seconds, as Temporal Schedules count them. */

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
/** Below a few seconds runs would mostly be skipped, each still taking a few activities. */
export const MIN_INTERVAL_MS = 2_000;
export const MAX_INTERVAL_MS = 366 * UNIT_MS.d!;

/** Milliseconds of an interval like `1h`; throws an Error saying what is wrong. */
export function parseInterval(text: string): number {
  const m = /^(\d{1,9})([smhd])$/.exec(text.trim());
  if (!m) throw new Error(`invalid interval ${JSON.stringify(text)}: expected a whole number and a unit (s, m, h or d), like 30s, 15m, 1h or 1d`);
  const ms = Number(m[1]) * UNIT_MS[m[2]!]!;
  if (ms < MIN_INTERVAL_MS) throw new Error(`interval ${text} is too short: at least ${MIN_INTERVAL_MS / 1000}s`);
  if (ms > MAX_INTERVAL_MS) throw new Error(`interval ${text} is too long: at most 366d`);
  return ms;
}

/** An interval in the largest unit that divides it exactly: 3600000 → `1h`, 90000 → `90s`. */
export function formatInterval(ms: number): string {
  for (const unit of ['d', 'h', 'm', 's']) {
    const size = UNIT_MS[unit]!;
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
