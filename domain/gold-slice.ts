/** How gold is cut into files: one per UTC day of event time, and one for rows without it. Pure. */

/**
 * Which silver rows one gold file covers: one UTC day, or the rows without an event time. A
 * day may name the hours (`00`–`23`) some new silver rows fall in: only those need recomputing.
 */
export type GoldSlice = { day: string; hours?: readonly string[] } | { undated: true };

/** The hours of a day slice, checked before they become SQL text. */
export function sliceHours(slice: { hours?: readonly string[] }): readonly string[] | undefined {
  for (const h of slice.hours ?? []) if (!/^(?:[01]\d|2[0-3])$/.test(h)) throw new Error(`invalid hour ${JSON.stringify(h)}`);
  return slice.hours;
}

/** File name (without folder) of a gold slice. */
export function goldSliceName(slice: GoldSlice): string {
  if (!('day' in slice)) return 'undated';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(slice.day)) throw new Error(`invalid day ${JSON.stringify(slice.day)}`);
  return slice.day;
}
