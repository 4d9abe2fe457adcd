/**
 * Routing a raw batch: every message becomes a kafka_raw_bronze row; a message that cannot reach
 * a client (not a JSON object, invalid client_id, unknown client) becomes its one pipeline_errors
 * row here, naming every bronze rule it broke. Pure.
 */
import type { Cell } from './tables';
import { boundedRawValue, boundedHead } from './event';
import { checkBronze, decodeMessageValue, isUnroutable } from './rules';
import { BRONZE_RULES } from '../contract/rules';
import type { ClientAdmitter, ClientDirectory, JsonObject } from './rules';
import type { BronzeRule, RuleActions } from '../contract/rules';

export interface RawMessage {
  partition: number;
  offset: string;
  key: Buffer | null;
  /** Null when the message has none, or when it was over the size limit (see `oversized`). */
  value: Buffer | null;
  /** Kafka timestamp, epoch milliseconds as text (as kafkajs gives it). */
  timestamp: string;
  /**
   * Set instead of the value when it was over `limits.maxMessageBytes`: the reader keeps only
   * these, so the value is never decoded, staged or held beyond the read.
   */
  oversized?: OversizedValue;
}

export interface OversizedValue {
  bytes: number;
  sha256: string;
  /** The value's first bytes, enough for the error row's bounded raw value. */
  head: Buffer;
}

/** What a message costs a batch in memory, as a batch's byte budget counts it. */
export function messageBytes(m: Pick<RawMessage, 'key' | 'value' | 'oversized'>): number {
  return (m.key?.length ?? 0) + (m.value?.length ?? 0) + (m.oversized?.head.length ?? 0);
}

/** The error row's reason for a value over the limit: its size and hash identify it without the value. */
export function oversizedReason(o: OversizedValue, maxBytes: number): string {
  return `message is ${o.bytes} bytes, over the ${maxBytes}-byte limit (sha256 ${o.sha256})`;
}

export interface RouteContext {
  topic: string;
  batchId: string;
  /** The batch's ingested_at: the time of every row written, fixed per batch so retries agree. */
  ingestedAtMicros: bigint;
  clients: ClientDirectory | ClientAdmitter;
  ruleActions: RuleActions;
  maxMessageBytes: number;
  rawValueChars: number;
}

/**
 * A record routed to a client, as the router decoded and checked it: what the client's bronze
 * would otherwise read back from the raw file and decode again.
 */
export interface RoutedRecord {
  partition: number;
  offset: bigint;
  /** The value as stored in kafka_raw_bronze. */
  value: string;
  message: JsonObject;
  eventMicros: bigint | null;
  /** Bronze rules the record broke: only not_null_timestamp can be left to the client's bronze. */
  broken: readonly BronzeRule[];
  reasons: readonly string[];
}

export interface RoutedBatch {
  rawRows: Cell[][];
  /** Each client's routed records, in batch order (by partition, then offset, as the raw file sorts them). */
  clientRecords: Map<string, RoutedRecord[]>;
  errorRows: Cell[][];
  metricRows: Cell[][];
  /** Routable messages per client. */
  clientCounts: Record<string, number>;
  /** Kafka timestamp (ISO) of each client's oldest routed message. */
  clientOldestAt: Record<string, string>;
  unroutable: number;
}

const lossyUtf8 = new TextDecoder('utf-8', { fatal: false });

export function routeBatch(messages: readonly RawMessage[], ctx: RouteContext): RoutedBatch {
  const rawRows: Cell[][] = [];
  const errorRows: Cell[][] = [];
  // Maps: client ids such as `constructor` must not meet Object.prototype.
  const clientRecords = new Map<string, RoutedRecord[]>();
  const clientOldestMs = new Map<string, number>();
  const failedByRule = new Map<string, number>(BRONZE_RULES.map((r) => [r, 0]));
  let unroutable = 0;

  for (const m of messages) {
    const decoded = m.oversized
      ? { ok: false as const, reason: oversizedReason(m.oversized, ctx.maxMessageBytes) }
      : decodeMessageValue(m.value, ctx.maxMessageBytes);
    const verdict = checkBronze(decoded, ctx.clients);
    const offset = BigInt(m.offset);
    rawRows.push([
      ctx.topic,
      m.partition,
      offset,
      m.key === null ? null : lossyUtf8.decode(m.key),
      // Valid UTF-8 was decoded once already; only invalid bytes need the lossy decoding.
      m.value === null ? null : (decoded.text ?? lossyUtf8.decode(m.value)),
      m.oversized?.bytes ?? m.value?.length ?? 0,
      BigInt(m.timestamp) * 1000n,
      verdict.clientId,
      ctx.batchId,
      ctx.ingestedAtMicros,
    ]);
    if (isUnroutable(verdict)) {
      unroutable += 1;
      for (const rule of verdict.broken) failedByRule.set(rule, (failedByRule.get(rule) ?? 0) + 1);
      errorRows.push([
        ctx.ingestedAtMicros,
        verdict.clientId,
        'bronze',
        'kafka_raw_bronze',
        verdict.broken,
        verdict.reasons.join('; '),
        ctx.batchId,
        ctx.topic,
        m.partition,
        offset,
        m.oversized ? boundedHead(m.oversized, ctx.rawValueChars) : boundedRawValue(m.value, ctx.rawValueChars, decoded.text),
      ]);
    } else if (verdict.clientId !== null) {
      clientOldestMs.set(verdict.clientId, Math.min(clientOldestMs.get(verdict.clientId) ?? Infinity, Number(m.timestamp)));
      // Always so: checkBronze names a client only for a value decoded as an object.
      if (decoded.ok) {
        const records = clientRecords.get(verdict.clientId) ?? [];
        if (records.length === 0) clientRecords.set(verdict.clientId, records);
        records.push({
          partition: m.partition,
          offset,
          value: decoded.text,
          message: decoded.message,
          eventMicros: verdict.eventMicros,
          broken: verdict.broken,
          reasons: verdict.reasons,
        });
      }
    }
  }

  // Metrics of the routing rules only; not_null_timestamp is measured where it is enforced
  // (the client's bronze activity), except for records the router already dropped.
  const metricRows: Cell[][] = ['malformed_json', 'valid_client_id', 'unknown_client'].map((rule) => {
    const failed = failedByRule.get(rule) ?? 0;
    return [
      ctx.ingestedAtMicros,
      ctx.batchId,
      null,
      'bronze',
      rule,
      ctx.ruleActions[rule as 'malformed_json'],
      BigInt(messages.length),
      BigInt(messages.length - failed),
      BigInt(failed),
    ];
  });
  // fromEntries defines own properties, so every id is an ordinary key of the result.
  const clientOldestAt = Object.fromEntries([...clientOldestMs].map(([id, ms]) => [id, new Date(ms).toISOString()]));
  const clientCounts = Object.fromEntries([...clientRecords].map(([id, records]) => [id, records.length]));
  return { rawRows, clientRecords, errorRows, metricRows, clientCounts, clientOldestAt, unroutable };
}
