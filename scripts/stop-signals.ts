/**
 * How a long-running command (`npm start`, `pipeline worker`) takes Ctrl-C and SIGTERM.
 *
 * The first signal starts a clean stop. Ctrl-C in a terminal reaches every process of the
 * foreground group, and npm or npx also pass it on to the script they run, so the command gets
 * the same signal twice within milliseconds; that copy must not end the clean stop, as Node's
 * default action would once the first handler is gone. A signal that comes later is an operator
 * asking again: it stops at once.
 */

/** Signals within this long of the first are copies of it. */
export const REPEAT_WINDOW_MS = 1000;

export interface StopSignalHandlers {
  /** Starts the clean stop; called once. */
  stop: () => void;
  /** Called for a signal after the repeat window, while the clean stop still runs. */
  force: () => void;
}

/** Listens for SIGINT and SIGTERM until the process exits. `now` is for tests. */
export function onStopSignals(handlers: StopSignalHandlers, now: () => number = Date.now): void {
  let firstAt: number | undefined;
  const onSignal = () => {
    const at = now();
    if (firstAt === undefined) {
      firstAt = at;
      handlers.stop();
    } else if (at - firstAt > REPEAT_WINDOW_MS) {
      handlers.force();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}
