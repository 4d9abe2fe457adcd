/**
 * The publish fence. Work that may be superseded (an activity attempt) runs inside a fence: an
 * AbortSignal, and optionally a check that asks the lake whether the work is still current.
 * Every publish of a lake file (rename into place, or removal) passes the fence right before it
 * acts, so work whose fence is down changes nothing any more. Ambient rather than a parameter
 * so that no publish of the work, however deep, can forget it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

/** Throws when the work is no longer current according to the lake. */
export type PublishCheck = () => Promise<void>;

interface Fence {
  signal: AbortSignal;
  checks: readonly PublishCheck[];
}

const fences = new AsyncLocalStorage<Fence>();

/** Runs `fn` inside a fence (and inside any fence around this call too). */
export function withPublishFence<T>(signal: AbortSignal, fn: () => Promise<T>, check?: PublishCheck): Promise<T> {
  const outer = fences.getStore();
  const checks = [...(outer?.checks ?? []), ...(check ? [check] : [])];
  return fences.run({ signal: outer ? AbortSignal.any([outer.signal, signal]) : signal, checks }, fn);
}

const NEVER_ABORTED = new AbortController().signal;

/** Runs `fn` inside the current fence (its signal as it is: nothing is combined) with one more check before each of its publishes. */
export function withPublishCheck<T>(check: PublishCheck, fn: () => Promise<T>): Promise<T> {
  const outer = fences.getStore();
  return fences.run({ signal: outer?.signal ?? NEVER_ABORTED, checks: [...(outer?.checks ?? []), check] }, fn);
}

/** The signal of the fence the current work runs in, if any. */
export function currentFence(): AbortSignal | undefined {
  return fences.getStore()?.signal;
}

/**
 * Throws when the current work may no longer publish. Callers act (rename, remove) right after
 * it, with nothing else awaited in between.
 */
export async function passFence(): Promise<void> {
  const fence = fences.getStore();
  if (!fence) return;
  fence.signal.throwIfAborted();
  for (const check of fence.checks) await check();
  // Checked again last: the signal may have gone down while the checks read the lake.
  fence.signal.throwIfAborted();
}
