/** SQL text building blocks: literals, identifiers, table definitions. Pure. */
import type { Cell, ColumnType, Columns } from './tables';

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
  // Replacing whatever the connection staged under this name before, in one statement.
  return `CREATE OR REPLACE ${temp ? 'TEMP ' : ''}TABLE ${sqlIdent(table)} (${cols})`;
}

/** An empty relation with a table's columns, for views over tables that have no files yet. */
export function emptyRelationSql(columns: Columns): string {
  return `SELECT ${columns.map(([name, type]) => `NULL::${type} AS ${sqlIdent(name)}`).join(', ')} WHERE false`;
}

/**
 * A string literal of any text, a message's included: a NUL character would end the query text
 * where DuckDB reads it, so it is spelled chr(0).
 */
export function sqlText(text: string): string {
  return text.includes('\0') ? `(${text.split('\0').map(sqlString).join(' || chr(0) || ')})` : sqlString(text);
}

/** The instant some epoch microseconds stand for (`micros`: SQL text castable to BIGINT), whatever the session's time zone. */
function instantSql(micros: string): string {
  return `(TIMESTAMPTZ '1970-01-01 00:00:00+00' + to_microseconds(${micros}::BIGINT))`;
}

/** An instant given in epoch microseconds, whatever the session's time zone. */
export function sqlInstantMicros(micros: bigint): string {
  return instantSql(`'${micros}'`);
}

/** The text a number cell is cast from: the shortest that reads back as the same number. */
function numberText(cell: Exclude<Cell, null>, type: 'INTEGER' | 'BIGINT' | 'DOUBLE'): string {
  if (type !== 'DOUBLE') return String(BigInt(cell as number | bigint));
  const n = Number(cell);
  if (!Number.isFinite(n)) throw new Error(`no literal for the DOUBLE ${n}`);
  return Object.is(n, -0) ? '-0.0' : String(n);
}

/** A typed literal of a value the pipeline holds, as a staged cell holds it (timestamps as epoch microseconds). */
export function sqlLiteral(cell: Cell, type: ColumnType): string {
  if (cell === null) return `NULL::${type}`;
  switch (type) {
    case 'VARCHAR':
      return `${sqlText(String(cell))}::VARCHAR`;
    // Numbers are quoted: a bare -2147483648::INTEGER would cast before negating, and overflow.
    case 'INTEGER':
    case 'BIGINT':
    case 'DOUBLE':
      return `'${numberText(cell, type)}'::${type}`;
    case 'TIMESTAMPTZ':
      return sqlInstantMicros(BigInt(cell as number | bigint));
    case 'VARCHAR[]':
      return `[${(cell as readonly string[]).map(sqlText).join(', ')}]::VARCHAR[]`;
  }
}

/**
 * Rows (each a cell per column) as a query of one JSON text literal, typed column by column:
 * `columns` in order, whatever the rows. DuckDB binds a VALUES list expression by expression
 * (64 error rows: about 23 ms), while one JSON text is parsed at once (about 1 ms).
 */
export function inlineRowsSql(columns: Columns, rows: ReadonlyArray<readonly Cell[]>): string {
  const field = (i: number) => `c${i}`;
  const json = JSON.stringify(rows.map((row) => Object.fromEntries(columns.map(([, type], i) => [field(i), cellText(row[i] ?? null, type)]))));
  const structure = `[{${columns.map(([, type], i) => `"${field(i)}": "${type === 'VARCHAR[]' ? 'VARCHAR[]' : 'VARCHAR'}"`).join(', ')}}]`;
  const select = columns.map(([name, type], i) => {
    const text = `r.${field(i)}`;
    return `${type === 'TIMESTAMPTZ' ? instantSql(text) : text}::${type} AS ${sqlIdent(name)}`;
  });
  // Every field comes out of the JSON as text (lists as lists of text) and is cast to its column's type.
  return `SELECT ${select.join(', ')} FROM (SELECT unnest(from_json(${sqlString(json)}, ${sqlString(structure)})) AS r)`;
}

/**
 * A cell as the text its column is cast from (lists: their texts). Texts are made well formed
 * (a lone surrogate becomes U+FFFD), as they are on their way into DuckDB by any other path.
 */
function cellText(cell: Cell, type: ColumnType): string | string[] | null {
  if (cell === null) return null;
  switch (type) {
    case 'VARCHAR':
      return String(cell).toWellFormed();
    case 'INTEGER':
    case 'BIGINT':
    case 'DOUBLE':
      return numberText(cell, type);
    case 'TIMESTAMPTZ':
      return String(BigInt(cell as number | bigint));
    case 'VARCHAR[]':
      return (cell as readonly string[]).map((t) => t.toWellFormed());
  }
}
