/** SQL text building blocks: literals, identifiers, table definitions. Pure. */
import type { Columns } from './tables';

/** A SQL string literal. Only for paths and names the pipeline built itself; values are bound. */
export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A quoted SQL identifier (client ids may hold `-`). */
export function sqlIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

export function createTableSql(table: string, columns: Columns, temp = true): string {
  const cols = columns.map(([name, type]) => `${sqlIdent(name)} ${type}`).join(', ');
  return `CREATE ${temp ? 'TEMP ' : ''}TABLE ${sqlIdent(table)} (${cols})`;
}

/** An empty relation with a table's columns, for views over tables that have no files yet. */
export function emptyRelationSql(columns: Columns): string {
  return `SELECT ${columns.map(([name, type]) => `NULL::${type} AS ${sqlIdent(name)}`).join(', ')} WHERE false`;
}
