/**
 * An activity attempt held at one of its publishes, as one that outlived its turn would be (its
 * worker cut off from Temporal while the workflow went on): the test runs what happens
 * meanwhile, then lets it go and sees whether its late publish is refused.
 */
import { withPublishFence } from '../../adapters/lake/fence';

export interface HeldAttempt {
  /** Settles once the attempt waits at its publish; rejects if it ended before reaching it. */
  held: Promise<void>;
  /** 'published' if the attempt went through, or the text of the error that ended it. */
  outcome: Promise<string>;
  letGo(): void;
}

/** Runs `attempt` inside a fence that calls `atNth` right before its `nth` publish (counting every file it puts in place or removes); its outcome as HeldAttempt's. */
function withPublishHook(nth: number, attempt: () => Promise<unknown>, atNth: () => Promise<void>): Promise<string> {
  let publishes = 0;
  return withPublishFence(new AbortController().signal, attempt, () => {
    publishes += 1;
    return publishes === nth ? atNth() : Promise.resolve();
  }).then(
    () => 'published',
    (e: unknown) => String(e),
  );
}

/** Runs `attempt`, holding it at its `nth` publish until `letGo`. */
export function heldAtPublish(nth: number, attempt: () => Promise<unknown>): HeldAttempt {
  let letGo!: () => void;
  const released = new Promise<void>((resolve) => (letGo = resolve));
  let reached!: () => void;
  const atPublish = new Promise<void>((resolve) => (reached = resolve));
  const outcome = withPublishHook(nth, attempt, () => {
    reached();
    return released;
  });
  const ended = outcome.then((o) => {
    throw new Error(`the attempt ended before its publish #${nth}: ${o}`);
  });
  return { held: Promise.race([atPublish, ended]), outcome, letGo };
}

/** Runs `attempt` as one that dies (its worker gone) right before its `nth` publish. */
export function crashedAtPublish(nth: number, attempt: () => Promise<unknown>): Promise<string> {
  return withPublishHook(nth, attempt, () => Promise.reject(new Error(`crashed before publish #${nth}`)));
}
