/**
 * ISO-8601 date-time parsing for event timestamps. Pure: no Date.parse, whose accepted formats
 * vary by engine and silently accept things like "2024-02-30".
 *
 * Accepted: `YYYY-MM-DDTHH:MM[:SS[.fraction]]` with `Z`, `±hh:mm` or no offset (= UTC).
 * `T` may be a space (RFC 3339 allows it). Result: microseconds since the Unix epoch, UTC.
 */

const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:\d{2})?$/;

const MICROS_PER_MS = 1000n;
const MICROS_PER_SECOND = 1_000_000n;

const isLeapYear = (year: number): boolean => year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

function daysInMonth(year: number, month: number): number {
  return month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);
}

/**
 * Days from 1970-01-01 to a date of the proleptic Gregorian calendar, by arithmetic alone
 * (H. Hinnant's days_from_civil): it runs for every record, twice.
 */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146_097 + dayOfEra - 719_468;
}

/** Microseconds since epoch (UTC) of an ISO-8601 date-time, or null when it is not one. */
export function parseIsoDateTimeMicros(text: string): bigint | null {
  const m = ISO_DATE_TIME.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac, offset] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = s === undefined ? 0 : Number(s);
  if (year < 1 || month < 1 || month > 12) return null;
  if (day < 1 || day > daysInMonth(year, month)) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;

  let offsetMinutes = 0;
  if (offset !== undefined && offset !== 'Z') {
    const sign = offset.startsWith('-') ? -1 : 1;
    const oh = Number(offset.slice(1, 3));
    const om = Number(offset.slice(4, 6));
    if (oh > 23 || om > 59) return null;
    offsetMinutes = sign * (oh * 60 + om);
  }

  // Whole seconds stay exact as a number (years 1-9999 are within ±2^38 s); microseconds need a bigint.
  const seconds = daysFromCivil(year, month, day) * 86_400 + hour * 3_600 + (minute - offsetMinutes) * 60 + second;
  const subSecondMicros = frac === undefined ? 0n : BigInt(frac.padEnd(6, '0').slice(0, 6));
  return BigInt(seconds) * MICROS_PER_SECOND + subSecondMicros;
}

/** ISO-8601 UTC text of epoch microseconds, e.g. `2024-03-01T10:15:00.123456Z`. */
export function formatMicrosUtc(micros: bigint): string {
  const ms = micros / MICROS_PER_MS;
  const rest = micros % MICROS_PER_MS;
  const base = new Date(Number(ms)).toISOString(); // ...sss Z
  return `${base.slice(0, -1)}${String(rest < 0n ? rest + MICROS_PER_MS : rest).padStart(3, '0')}Z`;
}
