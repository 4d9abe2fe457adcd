/** How gold is cut into files: one per UTC day of event time, and one for rows without it. Pure. */

/** Which silver rows one gold file covers: one UTC day, or the rows without an event time. */
export type GoldSlice = { day: string } | { undated: true };

/** File name (without folder) of a gold slice. */
export function goldSliceName(slice: GoldSlice): string {
  if (!('day' in slice)) return 'undated';
  if (!/^\d{4}-\d{2}-\d{2}$/.test(slice.day)) throw new Error(`invalid day ${JSON.stringify(slice.day)}`);
  return slice.day;
}
