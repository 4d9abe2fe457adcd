/**
 * The publish fence. Work that may be superseded (an activity attempt) runs inside a fence, an
 * AbortSignal; every publish of a lake file (rename into place, or removal) checks it right
 * before it acts, so work whose fence is down changes nothing any more. Ambient rather than a
 * parameter so that no publish of the work, however deep, can forget it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const fences = new AsyncLocalStorage<AbortSignal>();

/** Runs `fn` inside `signal`'s fence (and inside any fence around this call too). */
export function withPublishFence<T>(signal: AbortSignal, fn: () => Promise<T>): Promise<T> {
  const outer = fences.getStore();
  return fences.run(outer ? AbortSignal.any([outer, signal]) : signal, fn);
}

/** The fence of the work this call belongs to, if any. */
export function currentFence(): AbortSignal | undefined {
  return fences.getStore();
}

/**
 * Throws the fence's reason when the current work may no longer publish. Callers act (rename,
 * remove) right after it, with nothing awaited in between.
 */
export function assertMayPublish(): void {
  fences.getStore()?.throwIfAborted();
}
