/**
 * The pipeline's one configuration (targets, services, clients, batching, rules, limits),
 * validated with zod. Pure: loading from files and the environment lives in ./load.ts.
 */
import { z } from 'zod';
import { ClientId } from '../domain/rules';
import { isValidTopic, TOPIC_RULE } from '../domain/references';
import { ALL_RULES, DEFAULT_RULE_ACTIONS, ROUTING_RULES, RULE_ACTIONS } from '../contract/rules';
import type { RuleActions, RuleName } from '../contract/rules';
import { SaslSchema, securityProblems, TlsSchema } from './security';
import { DEFAULT_COMPACT_AFTER_BATCHES, DEFAULT_RUN_LIMITS } from '../contract/client-workflow';
import { MAX_BATCH_HOLD_MS, MAX_BATCH_WAIT_MS } from '../contract/settings';

/** Kafka's own topic name rule; topics also become folder names in the lake. */
const TopicName = z.string().refine(isValidTopic, TOPIC_RULE);
const SafeName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ - (not starting with _ or -)');
/**
 * A worker's memory grows by at most this many times batch.maxBytes while it ingests: the batch
 * landing and its working copies (text, parsed messages, staged rows, Parquet buffers), the next
 * batch, read ahead, and the routed records held for the worker's own client runs (up to two
 * batches of values, activities/routed-slices.ts). A burst of 1 MiB messages measured 9–13 ×
 * (test/e2e/burst.test.ts prints it).
 */
export const INGEST_MEMORY_FACTOR = 20;
/**
 * 96 MiB: a worker's ingest stays within 1.9 GiB over its idle footprint (see
 * INGEST_MEMORY_FACTOR). It binds under a backlog of large messages, or for a pipeline of many
 * clients, whose batches grow past maxMessages (domain/batch-plan.ts, backlogBatchMessages):
 * 100,000 messages of 350 bytes are 33 MiB.
 */
export const DEFAULT_BATCH_MAX_BYTES = 100_663_296;
/**
 * 10 s: enough for a worker's 32 slots to work through a round of 100 clients' runs on two
 * cores (some 4–5 s), and a bound on how much later than maxWaitMs a batch of a busy pipeline
 * closes when its clients never catch up.
 */
export const DEFAULT_BATCH_MAX_HOLD_MS = 10_000;

/**
 * batch.maxMessages unless configured (see its schema entry). A client's run costs about as
 * much for a few records as for a thousand (about fourteen statements and eight small files), so
 * under backlog larger batches spread it over more records: with 100 clients sharing the
 * traffic, 100,000 instead of 50,000 made `npm run bench` about 1.3 times faster.
 */
export const DEFAULT_BATCH_MAX_MESSAGES = 100_000;

/** 64 MiB: segments this big are not rewritten again (a rewrite's memory and time follow its size). */
export const DEFAULT_SEALED_SEGMENT_BYTES = 67_108_864;

const HostPort = z.string().regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port');

export const TargetSchema = z.strictObject({
  namespace: z.string().min(1),
  /** Folder under the lake root holding this target's tables. */
  lakePrefix: SafeName,
  topic: TopicName,
  consumerGroup: z.string().min(1),
});

/**
 * Alert channels. Secrets are not here: the SMTP password and the webhook URL (which holds its
 * token) are read at the worker from SMTP_PASSWORD(_FILE) and ALERT_WEBHOOK_URL(_FILE).
 */
const AlertsSchema = z.strictObject({
  /** Window per client and channel in which further failures are folded; fractions allowed. */
  throttleMinutes: z.number().min(0).max(10_080).default(15),
  log: z.boolean().default(true),
  email: z
    .strictObject({
      host: z.string().min(1),
      port: z.int().min(1).max(65_535).default(587),
      /** TLS from the start (port 465); otherwise STARTTLS when the server offers it. */
      secure: z.boolean().default(false),
      user: z.string().min(1).optional(),
      from: z.string().min(3),
      to: z.array(z.string().min(3)).min(1),
    })
    .optional(),
  webhook: z.strictObject({ timeoutMs: z.int().min(100).max(120_000).default(10_000) }).optional(),
});

const rulesShape = Object.fromEntries(ALL_RULES.map((rule) => [rule, z.enum(RULE_ACTIONS).optional()])) as Record<
  RuleName,
  z.ZodOptional<z.ZodEnum<{ drop: 'drop'; warn: 'warn'; fail: 'fail' }>>
>;

export const ConfigSchema = z.strictObject({
  target: z.string().min(1).default('dev'),
  targets: z.record(z.string(), TargetSchema),
  kafka: z.strictObject({
    brokers: z.array(HostPort).min(1),
    clientId: z.string().min(1).default('medallion-pipeline'),
    tls: TlsSchema.optional(),
    sasl: SaslSchema.optional(),
  }),
  temporal: z.strictObject({
    address: HostPort,
    taskQueue: z.string().min(1).default('medallion-pipeline'),
    /** Prefix of workflow ids, so several deployments (or test runs) can share a namespace. */
    workflowIdPrefix: SafeName.default('pipeline'),
    uiUrl: z.url().default('http://127.0.0.1:8233'),
    /** History events after which workflows continue as new (bounded history, all state carried). */
    continueAsNewAfterEvents: z.int().min(20).max(50_000).default(2000),
    /** The API key is never here: TEMPORAL_API_KEY or TEMPORAL_API_KEY_FILE. */
    tls: TlsSchema.optional(),
  }),
  /** Without a root, the lake lives beside the local stack's state (see config/local-home.ts). */
  lake: z.strictObject({ root: z.string().min(1).optional() }).default({}),
  clients: z.strictObject({
    // DuckDB names ignore case, so two known ids may not differ only in case.
    known: z
      .array(ClientId.describe('client id'))
      .default([])
      .refine((ids) => new Set(ids.map((id) => id.toLowerCase())).size === ids.length, 'client ids must differ in more than letter case'),
    autoDiscover: z.boolean().default(false),
    /** Clients auto-discovery may add beyond the known ones; records of any further client are `unknown_client`. */
    maxDiscovered: z.int().min(0).max(100_000).default(1000),
  }),
  batch: z.strictObject({
    /**
     * A cap reached only under load: a batch closes after maxWaitMs with whatever arrived, so
     * batches are small when traffic is light; when the topic already holds this many messages
     * the batch is read full (up to this, or maxBytes), so every client's fixed cost per run is
     * spread over more records. A pipeline of more than 50 clients reads larger batches under a
     * backlog, in proportion, up to 4 times this (see backlogBatchMessages).
     */
    maxMessages: z.int().min(1).max(100_000).default(DEFAULT_BATCH_MAX_MESSAGES),
    /**
     * Message bytes (values and keys as read from Kafka; a value over limits.maxMessageBytes counts
     * only the part kept for its error row) a raw batch may hold, so a worker's memory is bounded
     * whatever the messages' sizes (see INGEST_MEMORY_FACTOR).
     */
    maxBytes: z.int().min(1_048_576).max(1_073_741_824).default(DEFAULT_BATCH_MAX_BYTES),
    maxWaitMs: z.int().min(10).max(MAX_BATCH_WAIT_MS).default(2000),
    /**
     * How much longer than maxWaitMs a batch may stay open while a quarter or more of the
     * worker's client slots run activities (0: never): the clients are busy with earlier batches,
     * and a batch costs each of its clients a hand-off and a run however small it is (see
     * holdsBatchOpen and activities/client-load.ts).
     */
    maxHoldMs: z.int().min(0).max(MAX_BATCH_HOLD_MS).default(DEFAULT_BATCH_MAX_HOLD_MS),
    /** Queued batches a client runs together (one bronze, silver and gold activity for all of them), and their records. */
    runMaxBatches: z.int().min(1).max(1000).default(DEFAULT_RUN_LIMITS.maxBatches),
    runMaxRecords: z.int().min(1).max(10_000_000).default(DEFAULT_RUN_LIMITS.maxRecords),
  }),
  /**
   * Merging each client's per-batch files (domain/compaction.ts): after this many batches of a
   * client (0: never), into segments that are sealed once they reach sealedSegmentBytes.
   */
  compaction: z
    .strictObject({
      afterBatches: z.int().min(0).max(100_000).default(DEFAULT_COMPACT_AFTER_BATCHES),
      sealedSegmentBytes: z.int().min(1_048_576).default(DEFAULT_SEALED_SEGMENT_BYTES),
    })
    .default({ afterBatches: DEFAULT_COMPACT_AFTER_BATCHES, sealedSegmentBytes: DEFAULT_SEALED_SEGMENT_BYTES }),
  rules: z.strictObject(rulesShape).default({}),
  alerts: AlertsSchema.default({ throttleMinutes: 15, log: true }),
  limits: z
    .strictObject({
      maxMessageBytes: z.int().min(1024).default(1_048_576),
      rawValueChars: z.int().min(64).max(1_000_000).default(4096),
    })
    .default({ maxMessageBytes: 1_048_576, rawValueChars: 4096 }),
});

/**
 * Checks across fields, made on the raw input so they are reported together with any field
 * problems (a zod refinement would only run once every field is valid).
 */
export function crossFieldProblems(input: unknown): string[] {
  if (typeof input !== 'object' || input === null) return [];
  const raw = input as { target?: unknown; targets?: unknown; rules?: unknown };
  const problems: string[] = [];
  const targetNames = typeof raw.targets === 'object' && raw.targets !== null ? Object.keys(raw.targets) : [];
  const target = raw.target ?? 'dev';
  if (typeof target === 'string' && !targetNames.includes(target)) {
    problems.push(`target: "${target}" is not one of the configured targets (${targetNames.join(', ') || 'none'})`);
  }
  const rules = typeof raw.rules === 'object' && raw.rules !== null ? (raw.rules as Record<string, unknown>) : {};
  for (const rule of ROUTING_RULES) {
    if (rules[rule] !== undefined && rules[rule] !== 'drop') {
      problems.push(`rules.${rule}: ${rule} decides whether a record reaches a client, so its action can only be "drop"`);
    }
  }
  return [...problems, ...securityProblems(input)];
}

/** Checks across fields that need the defaults filled in. */
function parsedProblems(config: z.infer<typeof ConfigSchema>): string[] {
  // A message the batch budget could not hold must be one the router refuses unread.
  if (config.limits.maxMessageBytes > config.batch.maxBytes) {
    return [`limits.maxMessageBytes (${config.limits.maxMessageBytes}) must not exceed batch.maxBytes (${config.batch.maxBytes})`];
  }
  return [];
}

export type PipelineConfig = z.infer<typeof ConfigSchema>;
export type TargetConfig = z.infer<typeof TargetSchema>;

/** The configuration as the running pipeline sees it: the chosen target folded in. */
export interface ResolvedConfig {
  targetName: string;
  target: TargetConfig;
  kafka: PipelineConfig['kafka'];
  temporal: PipelineConfig['temporal'] & { namespace: string };
  /** This target's lake folder: `<lake root>/<lakePrefix>`. */
  lakeDir: string;
  clients: PipelineConfig['clients'];
  batch: PipelineConfig['batch'];
  compaction: PipelineConfig['compaction'];
  ruleActions: RuleActions;
  limits: PipelineConfig['limits'];
  alerts: PipelineConfig['alerts'];
  /** Namespaces of every target, so the local stack can create them all. */
  namespaces: string[];
}

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Every problem of a config, one line each, e.g. `batch.maxMessages: Too small: expected number to be >=1`. */
export function listProblems(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`);
}

export function resolveConfig(input: unknown, joinPath: (a: string, b: string) => string, defaultLakeRoot: string): ResolvedConfig {
  const parsed = ConfigSchema.safeParse(input);
  const problems = [...(parsed.success ? parsedProblems(parsed.data) : listProblems(parsed.error)), ...crossFieldProblems(input)];
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const config = parsed.data;
  const target = config.targets[config.target] as TargetConfig; // checked by crossFieldProblems
  return {
    targetName: config.target,
    target,
    kafka: config.kafka,
    temporal: { ...config.temporal, namespace: target.namespace },
    lakeDir: joinPath(config.lake.root ?? defaultLakeRoot, target.lakePrefix),
    clients: config.clients,
    batch: config.batch,
    compaction: config.compaction,
    ruleActions: { ...DEFAULT_RULE_ACTIONS, ...stripUndefined(config.rules) },
    limits: config.limits,
    alerts: config.alerts,
    namespaces: [...new Set(Object.values(config.targets).map((t) => t.namespace))],
  };
}

function stripUndefined<T extends object>(obj: T): Partial<T> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined)) as Partial<T>;
}
