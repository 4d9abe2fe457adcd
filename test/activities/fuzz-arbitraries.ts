/** fast-check arbitraries of Kafka message values: valid events, near-valid ones, hostile ones. */
import fc from 'fast-check';
import { hostileValues, deepJson } from '../unit/hostile-values';

const STATUSES = ['active', 'pending', 'completed', 'failed'];
/** Known, discoverable, prototype-named and case-variant ids, so every admission path is hit. */
const clientId = fc.constantFrom(
  'acme',
  'globex',
  'initech',
  'constructor',
  '__proto__',
  'toString',
  'ACME',
  'Globex',
  'a'.repeat(64),
  'a'.repeat(65),
);

const isoTimestamp = fc
  .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

const validEvent = fc.record({
  client_id: clientId,
  timestamp: isoTimestamp,
  event_type: fc.constantFrom('purchase', 'refund', 'login'),
  status: fc.constantFrom(...STATUSES),
  amount: fc.option(fc.double({ min: 0, max: 1e6, noNaN: true }), { nil: null }),
  client_name: fc.option(fc.string(), { nil: undefined }),
  metadata: fc.option(fc.record({ source: fc.string(), region: fc.string() }), { nil: undefined }),
});

/** Odd values for any field: hostile text, numbers at the edges of doubles, objects, arrays. */
const oddValue = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constantFrom('', 'NaN', 'Infinity', '-0', '../../x', "'; DROP TABLE x; --", '\u0000\u001f', '0000-01-01T00:00:00Z', '99999-01-01T00:00:00Z'),
  fc.constantFrom(1e308, -1e308, 5e-324, 1e15, 1e15 + 2, -1, 0, 2 ** 53 + 1),
  fc.jsonValue({ maxDepth: 3 }),
);
const fieldName = fc.constantFrom('client_id', 'timestamp', 'event_type', 'status', 'amount', 'client_name', 'data', 'metadata');

const nearValid = fc
  .tuple(validEvent, fieldName, oddValue, fc.boolean())
  .map(([event, field, value, remove]) => JSON.stringify(remove ? { ...event, [field]: undefined } : { ...event, [field]: value }));

/** Text tricks JSON.stringify never makes: duplicate keys, lone surrogates, deep nesting, huge numbers. */
const crafted = fc.oneof(
  fc.tuple(validEvent, fieldName, fc.string()).map(([e, k, v]) => `${JSON.stringify(e).slice(0, -1)},${JSON.stringify(k)}:${JSON.stringify(v)}}`),
  fc
    .tuple(validEvent, fc.constantFrom('\\ud800', '\\udfff', '\\ud83d\\ude00'))
    .map(([e, s]) => `${JSON.stringify(e).slice(0, -1)},"client_name":"${s}"}`),
  fc.tuple(validEvent, fc.integer({ min: 1, max: 20_000 })).map(([e, depth]) => `${JSON.stringify(e).slice(0, -1)},"data":${deepJson(depth)}}`),
  fc
    .tuple(validEvent, fc.constantFrom('1e400', '123456789012345678901234567890', '-0.0', '1E15'))
    .map(([e, n]) => `${JSON.stringify(e).slice(0, -1)},"amount":${n}}`),
);

export function hostileMessage(maxMessageBytes: number): fc.Arbitrary<Buffer> {
  const small = Object.values(hostileValues).filter((v) => v.length < 200_000);
  return fc.oneof(
    { weight: 4, arbitrary: validEvent.map((e) => Buffer.from(JSON.stringify(e))) },
    { weight: 3, arbitrary: nearValid.map((t) => Buffer.from(t)) },
    { weight: 2, arbitrary: crafted.map((t) => Buffer.from(t)) },
    { weight: 1, arbitrary: fc.constantFrom(...small).map((v) => Buffer.from(v)) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 64 }).map((extra) => Buffer.alloc(maxMessageBytes + extra, 0x20)) },
  );
}
