/**
 * Shaping a validated message into the typed silver record. Pure; the message has already passed
 * the bronze rules, so client_id and timestamp are known to be valid.
 */
import type { JsonObject } from './rules';
import { isJsonObject, sliceText } from './rules';

export interface SilverFields {
  clientName: string | null;
  /** Null only when a `warn` rule kept a record without one. */
  eventType: string | null;
  status: string | null;
  amount: number | null;
  source: string | null;
  region: string | null;
  /** `data` and `metadata` as JSON text, so any Parquet reader sees them without a schema. */
  dataJson: string | null;
  metadataJson: string | null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

export function silverFields(message: JsonObject): SilverFields {
  const metadata = isJsonObject(message.metadata) ? message.metadata : null;
  return {
    clientName: stringOrNull(message.client_name),
    eventType: stringOrNull(message.event_type),
    status: stringOrNull(message.status),
    amount: typeof message.amount === 'number' && Number.isFinite(message.amount) ? message.amount : null,
    source: metadata ? stringOrNull(metadata.source) : null,
    region: metadata ? stringOrNull(metadata.region) : null,
    dataJson: message.data === undefined ? null : JSON.stringify(message.data),
    metadataJson: metadata === null ? null : JSON.stringify(metadata),
  };
}

/**
 * Raw values kept in `pipeline_errors` are bounded so a hostile message cannot bloat the table.
 * `decoded` is the value as text when the caller has decoded it already (a 1 MiB value is not decoded twice).
 */
export function boundedRawValue(value: Buffer | null, maxChars: number, decoded?: string): string | null {
  if (value === null) return null;
  const text = decoded ?? value.toString('utf8'); // invalid bytes become U+FFFD: the row stays text
  return text.length > maxChars ? `${sliceText(text, maxChars)}…[truncated ${text.length - maxChars} chars]` : text;
}

/** The bounded raw value of a message whose value was too large to keep: its first characters. */
export function boundedHead(o: { bytes: number; head: Buffer }, maxChars: number): string {
  return `${sliceText(o.head.toString('utf8'), maxChars)}…[truncated: ${o.bytes} bytes in all]`;
}
