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

/**
 * Why the text cannot be a message, or null: nesting deeper than `maxDepth`, or a key that appears
 * twice in the top-level object (JavaScript reads the last one and DuckDB the first, so the
 * tables would disagree). Syntax errors are left to JSON.parse.
 */
export function scanJsonText(text: string, maxDepth = MAX_JSON_DEPTH): string | null {
  let depth = 0;
  let topKeys: Set<string> | null = null;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const start = i;
      for (i += 1; i < text.length; i++) {
        const d = text.charCodeAt(i);
        if (d === BACKSLASH) i += 1;
        else if (d === QUOTE) break;
      }
      if (depth === 1 && expectKey && topKeys !== null) {
        expectKey = false;
        let key: unknown;
        try {
          key = JSON.parse(text.slice(start, i + 1));
        } catch {
          return null; // not a JSON string: JSON.parse will say why
        }
        if (topKeys.has(key as string)) return 'message has a duplicate top-level key';
        topKeys.add(key as string);
      }
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      depth += 1;
      if (depth > maxDepth) return `message nests deeper than ${maxDepth} levels`;
      if (depth === 1) {
        topKeys = c === OPEN_OBJECT ? new Set() : null;
        expectKey = c === OPEN_OBJECT;
      }
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth -= 1;
    } else if (c === COMMA && depth === 1) {
      expectKey = topKeys !== null;
    }
  }
  return null;
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
