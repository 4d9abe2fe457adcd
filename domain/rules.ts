/**
 * Data-quality rules of the bronze and silver layers, as pure predicates over a decoded message.
 * Each layer checks all of its rules so a dropped record names every rule it broke, once.
 */
import { z } from 'zod';
import { CLIENT_ID_PATTERN } from './client-id';
import { parseIsoDateTimeMicros } from './timestamp';
import { hasLoneSurrogate, scanJsonText } from './json-scan';
import { ROUTING_RULES } from '../contract/rules';
import type { BronzeRule, RuleActions, RuleName, SilverRule } from '../contract/rules';

export const EVENT_STATUSES = ['active', 'pending', 'completed', 'failed'] as const;

// The event message's contract, one schema per checked field. The rules below and
// the EventMessage schema are both built from these, so they cannot drift apart.
export const ClientId = z.string().regex(CLIENT_ID_PATTERN);
export const IsoDateTime = z.string().refine((text) => parseIsoDateTimeMicros(text) !== null, 'not an ISO-8601 date-time');
export const EventStatus = z.enum(EVENT_STATUSES);
/**
 * Amounts are bounded so every sum in gold stays finite and exact (DECIMAL(38, 9) holds the sum of
 * far more than any batch's worth of amounts up to this bound).
 */
export const MAX_AMOUNT = 1e15;
/** Absent or null, or a finite number in [0, MAX_AMOUNT] (zod numbers exclude infinities). */
export const Amount = z.number().nonnegative().max(MAX_AMOUNT).nullish();
export const EventType = z.string().min(1);

/** A message that passes every rule. Unknown fields are kept. */
export const EventMessage = z.looseObject({
  client_id: ClientId,
  timestamp: IsoDateTime,
  client_name: z.string().optional(),
  event_type: EventType,
  status: EventStatus,
  amount: Amount,
  data: z.unknown().optional(),
  metadata: z.unknown().optional(),
});
export type EventMessage = z.infer<typeof EventMessage>;

/** The rules that check one field of the message, and the schema that field must match. */
export const FIELD_RULES = {
  valid_client_id: { field: 'client_id', schema: ClientId },
  not_null_timestamp: { field: 'timestamp', schema: IsoDateTime },
  valid_status: { field: 'status', schema: EventStatus },
  valid_amount: { field: 'amount', schema: Amount },
  valid_event_type: { field: 'event_type', schema: EventType },
} as const satisfies Partial<Record<RuleName, { field: string; schema: z.ZodType }>>;

function passes(rule: keyof typeof FIELD_RULES, message: JsonObject): boolean {
  const { field, schema } = FIELD_RULES[rule];
  return schema.safeParse(message[field]).success;
}

export type JsonObject = Record<string, unknown>;

export function isJsonObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `text` is the value as UTF-8 text once it was decoded, so callers need not decode it again. */
export type DecodedValue = { ok: true; message: JsonObject; text: string } | { ok: false; reason: string; text?: string };

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The `malformed_json` rule's decoding: UTF-8, within the size limit, a JSON object. */
export function decodeMessageValue(value: Buffer | null, maxBytes: number): DecodedValue {
  if (value === null) return { ok: false, reason: 'message has no value' };
  if (value.length > maxBytes) return { ok: false, reason: `message is ${value.length} bytes, over the ${maxBytes}-byte limit` };
  let text: string;
  try {
    text = strictUtf8.decode(value);
  } catch {
    return { ok: false, reason: 'message is not valid UTF-8' };
  }
  // Checked before parsing: a deep value would overflow every recursive reader after this one.
  const scan = scanJsonText(text);
  if (scan.refused !== null) return { ok: false, reason: scan.refused, text };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    // The parser's message quotes the input; keep only its first words.
    return { ok: false, reason: `message is not valid JSON: ${(e as Error).message.slice(0, 80)}`, text };
  }
  if (!isJsonObject(parsed))
    return {
      ok: false,
      reason: `message is JSON ${Array.isArray(parsed) ? 'array' : parsed === null ? 'null' : typeof parsed}, not an object`,
      text,
    };
  if (Object.keys(parsed).length !== scan.topLevelKeys) return { ok: false, reason: 'message has a duplicate top-level key', text };
  if (hasLoneSurrogate(text, parsed)) return { ok: false, reason: 'message holds a lone UTF-16 surrogate escape, not Unicode text', text };
  return { ok: true, message: parsed, text };
}

/**
 * The decoding of a value the router gave a client id: the router decoded it in full
 * (decodeMessageValue) before it could name a client, so parsing it again is enough. A value
 * that does not even parse as an object gets the full decoding, which says why.
 */
export function decodeRoutedValue(text: string): DecodedValue {
  try {
    const parsed: unknown = JSON.parse(text);
    if (isJsonObject(parsed)) return { ok: true, message: parsed, text };
  } catch {
    // falls through to the full decoding, which says why
  }
  return decodeMessageValue(Buffer.from(text, 'utf8'), Number.MAX_SAFE_INTEGER);
}

export interface ClientDirectory {
  knownClients: ReadonlySet<string>;
  autoDiscover: boolean;
}

/** Decides whether records of a (valid) client id may reach a client; see ./client-admission.ts. */
export interface ClientAdmitter {
  admit(clientId: string): Admission;
}
export type Admission = { ok: true } | { ok: false; rule: 'valid_client_id' | 'unknown_client'; reason: string };

function admitterOf(clients: ClientDirectory | ClientAdmitter): ClientAdmitter {
  if ('admit' in clients) return clients;
  return {
    admit: (clientId) =>
      clients.autoDiscover || clients.knownClients.has(clientId)
        ? { ok: true }
        : { ok: false, rule: 'unknown_client', reason: `client ${clientId} is not a known client and auto-discovery is off` },
  };
}

export interface BronzeVerdict {
  /** Every bronze rule this record broke, in rule order. */
  broken: BronzeRule[];
  /** The client the record belongs to, when its client_id is valid. */
  clientId: string | null;
  /** Event time in epoch microseconds (UTC), when `timestamp` is valid. */
  eventMicros: bigint | null;
  message: JsonObject | null;
  /** Human-readable reasons, one per broken rule. */
  reasons: string[];
}

export function checkBronze(decoded: DecodedValue, clients: ClientDirectory | ClientAdmitter): BronzeVerdict {
  if (!decoded.ok) {
    // Nothing else can be checked without an object; the record breaks every rule that needs one.
    return {
      broken: ['malformed_json'],
      clientId: null,
      eventMicros: null,
      message: null,
      reasons: [decoded.reason],
    };
  }
  const message = decoded.message;
  const broken: BronzeRule[] = [];
  const reasons: string[] = [];
  const rawClient = message.client_id;
  let clientId = passes('valid_client_id', message) ? (rawClient as string) : null;
  if (clientId === null) {
    broken.push('valid_client_id');
    reasons.push(rawClient === undefined || rawClient === null ? 'client_id is missing' : 'client_id is not a valid client id');
  }
  const admission = clientId === null ? null : admitterOf(clients).admit(clientId);
  if (admission?.ok === false && admission.rule === 'valid_client_id') {
    // A case variant of another client: it must not name a table of its own.
    broken.push('valid_client_id');
    reasons.push(admission.reason);
    clientId = null;
  }
  const rawTs = message.timestamp;
  // The rule's own check, parsed once: a string holding an ISO-8601 date-time.
  const eventMicros = typeof rawTs === 'string' ? parseIsoDateTimeMicros(rawTs) : null;
  if (eventMicros === null) {
    broken.push('not_null_timestamp');
    reasons.push(rawTs === undefined || rawTs === null ? 'timestamp is missing' : 'timestamp is not an ISO-8601 date-time');
  }
  if (admission?.ok === false && admission.rule === 'unknown_client') {
    broken.push('unknown_client');
    reasons.push(admission.reason);
  }
  return { broken, clientId, eventMicros, message, reasons };
}

/** A bronze verdict the router must settle itself: the record cannot reach a client's workflow. */
export function isUnroutable(verdict: BronzeVerdict): boolean {
  return verdict.broken.some((rule) => ROUTING_RULES.includes(rule));
}

export interface SilverVerdict {
  broken: SilverRule[];
  reasons: string[];
}

export function checkSilver(message: JsonObject): SilverVerdict {
  const broken: SilverRule[] = [];
  const reasons: string[] = [];
  if (!passes('valid_status', message)) {
    broken.push('valid_status');
    reasons.push(`status ${describe(message.status)} is not one of ${EVENT_STATUSES.join(', ')}`);
  }
  if (!passes('valid_amount', message)) {
    broken.push('valid_amount');
    reasons.push(`amount ${describe(message.amount)} is not a number from 0 to ${MAX_AMOUNT}`);
  }
  if (!passes('valid_event_type', message)) {
    broken.push('valid_event_type');
    reasons.push(`event_type ${describe(message.event_type)} is not a non-empty string`);
  }
  return { broken, reasons };
}

function describe(value: unknown): string {
  if (value === undefined) return '(missing)';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${sliceText(text, 57)}...` : text;
}

/** The first `max` UTF-16 units of a text, without splitting a surrogate pair (a lone half is not UTF-8). */
export function sliceText(text: string, max: number): string {
  const cut = text.slice(0, max);
  const last = cut.charCodeAt(cut.length - 1);
  return last >= 0xd800 && last <= 0xdbff ? cut.slice(0, -1) : cut;
}

/** What a layer does with a record, given the rules it broke and the configured actions. */
export type RecordOutcome = 'keep' | 'drop' | 'fail';

export function outcomeOf(broken: readonly RuleName[], actions: RuleActions): RecordOutcome {
  let outcome: RecordOutcome = 'keep';
  for (const rule of broken) {
    const action = actions[rule];
    if (action === 'fail') return 'fail';
    if (action === 'drop') outcome = 'drop';
  }
  return outcome;
}
