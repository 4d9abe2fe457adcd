/**
 * Realistic demo traffic: events of several clients, with bad records of every kind mixed in.
 * Pure and seeded. Each message carries its ground truth (what it is meant to be and which rules
 * it breaks), stated independently of the rule code, so tests can predict every table.
 */

export const DEMO_CLIENTS = ['acme', 'globex', 'initech', 'umbrella', 'hooli', 'stark', 'wayne', 'wonka'];
const CLIENT_NAMES: Record<string, string> = {
  acme: 'Acme Corporation',
  globex: 'Globex Inc.',
  initech: 'Initech',
  umbrella: 'Umbrella Corp',
  hooli: 'Hooli',
  stark: 'Stark Industries',
  wayne: 'Wayne Enterprises',
  wonka: 'Wonka Industries',
};
const EVENT_TYPES = ['purchase', 'refund', 'signup', 'page_view', 'subscription_renewal'];
const STATUSES = ['active', 'pending', 'completed', 'failed'];
const SOURCES = ['web', 'mobile', 'api', 'pos'];
const REGIONS = ['eu-west', 'us-east', 'ap-south'];

/** Defects, each with the rules it breaks and where it is dropped. */
export const DEFECTS = {
  malformed_json: { rules: ['malformed_json'], dropAt: 'router' },
  json_array: { rules: ['malformed_json'], dropAt: 'router' },
  binary: { rules: ['malformed_json'], dropAt: 'router' },
  missing_client_id: { rules: ['valid_client_id'], dropAt: 'router' },
  long_client_id: { rules: ['valid_client_id'], dropAt: 'router' },
  bad_client_and_timestamp: { rules: ['valid_client_id', 'not_null_timestamp'], dropAt: 'router' },
  unknown_client: { rules: ['unknown_client'], dropAt: 'router' },
  unknown_client_bad_timestamp: { rules: ['not_null_timestamp', 'unknown_client'], dropAt: 'router' },
  missing_timestamp: { rules: ['not_null_timestamp'], dropAt: 'bronze' },
  invalid_timestamp: { rules: ['not_null_timestamp'], dropAt: 'bronze' },
  bad_status: { rules: ['valid_status'], dropAt: 'silver' },
  negative_amount: { rules: ['valid_amount'], dropAt: 'silver' },
  string_amount: { rules: ['valid_amount'], dropAt: 'silver' },
  empty_event_type: { rules: ['valid_event_type'], dropAt: 'silver' },
  all_silver_rules: { rules: ['valid_status', 'valid_amount', 'valid_event_type'], dropAt: 'silver' },
} as const;
export type Defect = keyof typeof DEFECTS;
export const DEFECT_KINDS = Object.keys(DEFECTS) as Defect[];

export interface DemoTruth {
  /** `valid` or `late` (valid, hours before the others) or a defect. */
  kind: 'valid' | 'late' | Defect;
  /** The client the message is routed to (null when it cannot be routed to a known client). */
  clientId: string | null;
  /** The client id the message claims, when it is a valid id (unknown clients included). */
  claimedClientId: string | null;
  rules: readonly string[];
  dropAt: 'router' | 'bronze' | 'silver' | null;
  /** For records that reach silver: */
  eventType?: string;
  amountCents?: number | null;
  eventMs?: number;
}

export interface DemoMessage {
  key: string | null;
  value: Buffer;
  truth: DemoTruth;
}

export interface DemoOptions {
  count: number;
  clients: number;
  seed?: number;
  /** Share of messages with a defect. */
  badRatio?: number;
  /** Event time of the first message; later ones spread over the following `spreadMs`. */
  startMs?: number;
  /** How long the messages' event times span (besides a jitter of ±30 minutes): 6 hours unless given. */
  spreadMs?: number;
}

/** mulberry32: small, fast, good enough for sample data, and the same on every machine. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function demoClientIds(count: number): string[] {
  return Array.from({ length: count }, (_, i) => DEMO_CLIENTS[i] ?? `client-${String(i + 1).padStart(3, '0')}`);
}

/** Formats an instant in one of several valid ISO-8601 spellings (Z, ±hh:mm, none, fractions). */
function isoVariant(ms: number, pick: number): string {
  const utc = new Date(ms).toISOString(); // 2026-11-20T10:15:30.123Z
  switch (pick % 4) {
    case 0:
      return utc;
    case 1:
      return utc.slice(0, 19); // no offset: UTC
    case 2: {
      const local = new Date(ms + 2 * 3600_000).toISOString().slice(0, 23);
      return `${local}+02:00`;
    }
    default: {
      const local = new Date(ms - 5 * 3600_000 - 30 * 60_000).toISOString().slice(0, 19);
      return `${local}-05:30`;
    }
  }
}

export function generateDemo(options: DemoOptions): DemoMessage[] {
  const random = rng(options.seed ?? 42);
  const clients = demoClientIds(options.clients);
  const badRatio = options.badRatio ?? 0.12;
  const start = options.startMs ?? Date.UTC(2026, 10, 20, 8, 0, 0);
  const spread = options.spreadMs ?? 6 * 3600_000;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const messages: DemoMessage[] = [];
  let defectTurn = 0;

  for (let i = 0; i < options.count; i++) {
    const clientId = clients[i % clients.length] as string;
    // Events arrive over some hours, a little out of order, so hours fill across batches.
    // Whole seconds, so every ISO spelling below encodes exactly this instant.
    const eventMs = Math.floor((start + (i / options.count) * spread + (random() - 0.5) * 3600_000) / 1000) * 1000;
    const amountCents = random() < 0.1 ? null : Math.floor(random() * 100_000);
    const eventType = pick(EVENT_TYPES);
    const event: Record<string, unknown> = {
      client_id: clientId,
      client_name: CLIENT_NAMES[clientId] ?? clientId,
      timestamp: isoVariant(eventMs, i),
      event_type: eventType,
      status: pick(STATUSES),
      data: { order_id: `ord-${i}`, items: 1 + Math.floor(random() * 5) },
      metadata: { source: pick(SOURCES), region: pick(REGIONS) },
    };
    if (amountCents !== null) event.amount = amountCents / 100;
    const valid = (kind: 'valid' | 'late', ms: number): DemoMessage => ({
      key: clientId,
      value: Buffer.from(JSON.stringify(event)),
      truth: { kind, clientId, claimedClientId: clientId, rules: [], dropAt: null, eventType, amountCents, eventMs: ms },
    });

    if (random() >= badRatio) {
      if (random() < 0.03) {
        // A late record: its event happened hours before the traffic around it.
        const lateMs = eventMs - (3 + Math.floor(random() * 4)) * 3600_000;
        event.timestamp = isoVariant(lateMs, i);
        messages.push(valid('late', lateMs));
      } else {
        messages.push(valid('valid', eventMs));
      }
      continue;
    }

    const kind = DEFECT_KINDS[defectTurn++ % DEFECT_KINDS.length] as Defect;
    const { rules, dropAt } = DEFECTS[kind];
    let value: Buffer | undefined;
    let key: string | null = clientId;
    let claimed: string | null = clientId;
    const ghost = `ghost-${1 + (i % 3)}`;
    switch (kind) {
      case 'malformed_json':
        value = Buffer.from(JSON.stringify(event).slice(0, 40));
        claimed = null;
        break;
      case 'json_array':
        value = Buffer.from(JSON.stringify([event]));
        claimed = null;
        break;
      case 'binary':
        value = Buffer.from([0xff, 0xfe, 0x00, 0x9c, 0x80, 0x7b, 0x22]);
        key = null;
        claimed = null;
        break;
      case 'missing_client_id':
        delete event.client_id;
        claimed = null;
        break;
      case 'long_client_id':
        event.client_id = `${clientId}-${'x'.repeat(64 - clientId.length)}`; // 65 characters
        claimed = null;
        break;
      case 'bad_client_and_timestamp':
        event.client_id = '../../etc/passwd';
        delete event.timestamp;
        claimed = null;
        break;
      case 'unknown_client':
        event.client_id = ghost;
        event.client_name = 'Ghost Trading';
        key = ghost;
        claimed = ghost;
        break;
      case 'unknown_client_bad_timestamp':
        event.client_id = ghost;
        event.client_name = 'Ghost Trading';
        event.timestamp = '2026-02-30T10:00:00Z';
        key = ghost;
        claimed = ghost;
        break;
      case 'missing_timestamp':
        delete event.timestamp;
        break;
      case 'invalid_timestamp':
        event.timestamp = random() < 0.5 ? 'yesterday at noon' : '2026-11-20';
        break;
      case 'bad_status':
        event.status = 'archived';
        break;
      case 'negative_amount':
        event.amount = -0.01;
        break;
      case 'string_amount':
        event.amount = '12.50';
        break;
      case 'empty_event_type':
        event.event_type = '';
        break;
      case 'all_silver_rules':
        event.status = null;
        event.amount = -5;
        delete event.event_type;
        break;
    }
    // Every defect but the three non-JSON ones is the event, changed above, as JSON.
    value ??= Buffer.from(JSON.stringify(event));
    const routedTo = dropAt === 'router' ? null : clientId;
    messages.push({ key, value, truth: { kind, clientId: routedTo, claimedClientId: claimed, rules, dropAt } });
  }
  return messages;
}
