/** Message values an attacker would send, shared by the unit, fuzz and end-to-end tests. */

export const deepJson = (depth: number): string => `${'['.repeat(depth)}${']'.repeat(depth)}`;

const base = { client_id: 'acme', timestamp: '2026-11-20T10:00:00Z', event_type: 'purchase', status: 'active' };
const withFields = (fields: Record<string, unknown>): string => JSON.stringify({ ...base, ...fields });

/** Each breaks a routing rule: exactly one router error row, never a client's table. */
export const hostileValues: Record<string, Buffer | string> = {
  'traversal in client_id': withFields({ client_id: '../../etc/passwd' }),
  'SQL injection in client_id': withFields({ client_id: "acme'; DROP TABLE x; --" }),
  'quote in client_id': withFields({ client_id: 'acme"x' }),
  'control characters in client_id': withFields({ client_id: 'ac\u0000me\n' }),
  '10,000-character client_id': withFields({ client_id: 'a'.repeat(10_000) }),
  'client_id as a number': withFields({ client_id: 42 }),
  'client_id as an object': withFields({ client_id: { $ne: null } }),
  'missing client_id': JSON.stringify({ timestamp: '2026-11-20T10:00:00Z' }),
  'not JSON': 'client_id=acme',
  'truncated JSON': '{"client_id":"acme"',
  'JSON array': JSON.stringify([base]),
  'JSON string': JSON.stringify('acme'),
  'JSON number': '1e400',
  'JSON null': 'null',
  'empty value': '',
  'invalid UTF-8': Buffer.from([0x7b, 0xff, 0xfe, 0x7d]),
  'depth 100,000': deepJson(100_000),
  'deep value in data': `{"client_id":"acme","timestamp":"2026-11-20T10:00:00Z","data":${deepJson(5000)}}`,
  'lone surrogate in client_name': withFields({ client_name: '\ud800' }),
  'lone surrogate in a key': `{"client_id":"acme","timestamp":"2026-11-20T10:00:00Z","\\udc00":1}`,
  'duplicate client_id key': '{"client_id":"acme","client_id":"../x","timestamp":"2026-11-20T10:00:00Z"}',
  'over maxMessageBytes': withFields({ data: 'x'.repeat((1 << 20) + 1) }),
  'unknown client': withFields({ client_id: 'ghost' }),
  'case variant of a known client': withFields({ client_id: 'ACME' }),
};
