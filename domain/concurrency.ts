/**
 * Runs async work over a list with at most `limit` items in flight: enough to overlap round
 * trips, few enough not to flood the service at the other end.
 */

export interface BoundedOptions {
  /** Once aborted, no further item is started; the call rejects with the abort reason. */
  signal?: AbortSignal;
}

/**
 * Results come back in input order. After the first failure no further item is started; the
 * items already running are awaited (nothing is left running unseen), then that failure is thrown.
 */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
  options: BoundedOptions = {},
): Promise<R[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer, got ${limit}`);
  const results = new Array<R>(items.length);
  let next = 0;
  let failure: { error: unknown } | null = null;
  const lane = async (): Promise<void> => {
    while (failure === null && next < items.length) {
      if (options.signal?.aborted) {
        failure = { error: options.signal.reason };
        return;
      }
      const index = next++;
      try {
        results[index] = await work(items[index] as T, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  if (failure !== null) throw (failure as { error: unknown }).error;
  return results;
}
