import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { formatMicrosUtc, parseIsoDateTimeMicros } from '../../domain/timestamp';

describe('parseIsoDateTimeMicros', () => {
  it('keeps microseconds and truncates finer fractions', () => {
    assert.equal(parseIsoDateTimeMicros('1970-01-01T00:00:00.000001Z'), 1n);
    assert.equal(parseIsoDateTimeMicros('1970-01-01T00:00:00.123456789Z'), 123_456n);
    assert.equal(parseIsoDateTimeMicros('1970-01-01T00:00:01.5Z'), 1_500_000n);
  });
  it('accepts minutes-only times and a space instead of T', () => {
    assert.equal(parseIsoDateTimeMicros('1970-01-01T00:01Z'), 60_000_000n);
    assert.equal(parseIsoDateTimeMicros('1970-01-01 00:01:00Z'), 60_000_000n);
  });
  it('crosses the date line with offsets', () => {
    assert.equal(formatMicrosUtc(parseIsoDateTimeMicros('2026-01-01T01:00:00+02:00')!), '2025-12-31T23:00:00.000000Z');
  });
  it('knows leap years', () => {
    assert.notEqual(parseIsoDateTimeMicros('2024-02-29T00:00:00Z'), null);
    assert.equal(parseIsoDateTimeMicros('2026-02-29T00:00:00Z'), null);
  });
  it('handles dates before the epoch and years below 100', () => {
    assert.equal(formatMicrosUtc(parseIsoDateTimeMicros('0099-06-01T00:00:00Z')!), '0099-06-01T00:00:00.000000Z');
    assert.equal(parseIsoDateTimeMicros('1969-12-31T23:59:59Z'), -1_000_000n);
  });
  it('rejects out-of-range parts and offsets', () => {
    for (const t of [
      '2026-13-01T00:00:00Z',
      '2026-00-10T00:00:00Z',
      '2026-01-01T23:60:00Z',
      '2026-01-01T23:00:60Z',
      '2026-01-01T00:00:00+24:00',
      '2026-01-01T00:00:00+01:60',
      '0000-01-01T00:00:00Z',
    ]) {
      assert.equal(parseIsoDateTimeMicros(t), null, t);
    }
  });
  it('agrees with the calendar of Date on every valid date-time, offset and fraction', () => {
    const two = (n: number) => String(n).padStart(2, '0');
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-02T00:00:00Z'), max: new Date('9999-12-30T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        fc.integer({ min: 0, max: 999_999 }),
        (date, offsetMinutes, micros) => {
          const wall = new Date(date.getTime() + offsetMinutes * 60_000); // the local time at that offset
          const sign = offsetMinutes < 0 ? '-' : '+';
          const offset = `${sign}${two(Math.floor(Math.abs(offsetMinutes) / 60))}:${two(Math.abs(offsetMinutes) % 60)}`;
          const text = `${wall.toISOString().slice(0, 19)}.${String(micros).padStart(6, '0')}${offset}`;
          const seconds = BigInt(Math.floor(date.getTime() / 1000));
          assert.equal(parseIsoDateTimeMicros(text), seconds * 1_000_000n + BigInt(micros), text);
        },
      ),
      { numRuns: 5_000 },
    );
  });
});
