/**
 * Checks on a message's JSON text that JSON.parse cannot make, done without recursion so no
 * nesting depth can overflow the stack. Pure.
 */

/** Deeper values are refused: JSON.stringify and DuckDB's JSON functions recurse per level. */
export const MAX_JSON_DEPTH = 64;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;

export interface JsonTextScan {
  /** Why the text cannot be a message (nesting deeper than the limit), or null. */
  refused: string | null;
  /** Keys written in the top-level object; more than the parsed object has means a duplicate. */
  topLevelKeys: number;
}

/**
 * Scans JSON text for what JSON.parse does not report: the nesting depth, and how many keys the
 * top-level object spells out (JavaScript keeps the last of duplicate keys and DuckDB the first,
 * so the tables would disagree). Syntax errors are left to JSON.parse.
 */
export function scanJsonText(text: string, maxDepth = MAX_JSON_DEPTH): JsonTextScan {
  let depth = 0;
  let topLevelKeys = 0;
  let inTopObject = false;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = closingQuote(text, i);
      if (i < 0) break; // unterminated: JSON.parse will say why
      if (depth === 1 && expectKey) {
        expectKey = false;
        topLevelKeys += 1;
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth += 1;
      if (depth > maxDepth) return { refused: `message nests deeper than ${maxDepth} levels`, topLevelKeys };
      if (depth === 1) inTopObject = expectKey = c === OPEN_OBJECT;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth -= 1;
    } else if (c === COMMA && depth === 1) {
      expectKey = inTopObject;
    }
  }
  return { refused: null, topLevelKeys };
}

/** Index of the quote closing the string opened at `open`, or -1. indexOf skips long strings natively. */
function closingQuote(text: string, open: number): number {
  let at = text.indexOf('"', open + 1);
  while (at >= 0) {
    let backslashes = 0;
    while (text.charCodeAt(at - 1 - backslashes) === BACKSLASH) backslashes += 1;
    if (backslashes % 2 === 0) return at;
    at = text.indexOf('"', at + 1);
  }
  return -1;
}

// A JSON escape of a UTF-16 surrogate; only text holding one can decode to a lone surrogate.
const SURROGATE_ESCAPE = /\\u[dD][89a-fA-F]/;
// With the `u` flag a surrogate range matches only surrogates that are not part of a pair.
const LONE_SURROGATE = /[\ud800-\udfff]/u;

/**
 * Whether a parsed value holds a string (or key) with a lone surrogate: not Unicode, so it cannot
 * be stored as UTF-8 text. Walks iteratively; only called on text that escapes a surrogate.
 */
export function hasLoneSurrogate(text: string, parsed: unknown): boolean {
  if (!SURROGATE_ESCAPE.test(text)) return false;
  const stack: unknown[] = [parsed];
  while (stack.length > 0) {
    const value = stack.pop();
    if (typeof value === 'string') {
      if (LONE_SURROGATE.test(value)) return true;
    } else if (Array.isArray(value)) {
      for (const item of value as unknown[]) stack.push(item);
    } else if (typeof value === 'object' && value !== null) {
      for (const [k, v] of Object.entries(value)) {
        if (LONE_SURROGATE.test(k)) return true;
        stack.push(v);
      }
    }
  }
  return false;
}
