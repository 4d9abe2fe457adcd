/** Which tables a refresh may rebuild. Pure, and free of Node modules: the workflow checks requests with it. */

/** Which tables a refresh may ask for: each is built from the one before it. */
export function refreshTablesProblem(tables: readonly string[]): string | null {
  const known = ['bronze', 'silver', 'gold'];
  const unknown = tables.filter((t) => !known.includes(t));
  if (unknown.length > 0) return `unknown table ${JSON.stringify(unknown[0])}: choose from bronze, silver, gold`;
  if (tables.length === 0) return 'name at least one table';
  const from = Math.min(...tables.map((t) => known.indexOf(t)));
  const missing = known.slice(from).filter((t) => !tables.includes(t));
  if (missing.length > 0) return `${known[from]} is rebuilt, so ${missing.join(' and ')} must be too (they are built from it)`;
  return null;
}
