/**
 * Loads the configuration: a JSON file, then environment overrides, then validation.
 * Secrets never live in the file; they are read from the environment where they are used
 * (./secrets.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { localStackHome } from './local-home';
import { ConfigError, resolveConfig } from './schema';
import type { ResolvedConfig } from './schema';
import { SECURED_SERVICES, TLS_FILE_FIELDS } from './security';

export const DEFAULT_CONFIG_FILE = path.resolve(__dirname, '..', 'pipeline.config.json');

type Json = Record<string, unknown>;

/** Environment variable → config path. Values are coerced from text; zod judges the result. */
export const ENV_OVERRIDES: Readonly<Record<string, { path: string[]; kind: 'string' | 'number' | 'boolean' | 'list' }>> = {
  PIPELINE_TARGET: { path: ['target'], kind: 'string' },
  PIPELINE_KAFKA_BROKERS: { path: ['kafka', 'brokers'], kind: 'list' },
  PIPELINE_TEMPORAL_ADDRESS: { path: ['temporal', 'address'], kind: 'string' },
  PIPELINE_TASK_QUEUE: { path: ['temporal', 'taskQueue'], kind: 'string' },
  PIPELINE_WORKFLOW_ID_PREFIX: { path: ['temporal', 'workflowIdPrefix'], kind: 'string' },
  PIPELINE_TEMPORAL_UI_URL: { path: ['temporal', 'uiUrl'], kind: 'string' },
  PIPELINE_CONTINUE_AS_NEW_AFTER_EVENTS: { path: ['temporal', 'continueAsNewAfterEvents'], kind: 'number' },
  PIPELINE_LAKE_ROOT: { path: ['lake', 'root'], kind: 'string' },
  PIPELINE_KNOWN_CLIENTS: { path: ['clients', 'known'], kind: 'list' },
  PIPELINE_AUTO_DISCOVER: { path: ['clients', 'autoDiscover'], kind: 'boolean' },
  PIPELINE_BATCH_MAX_MESSAGES: { path: ['batch', 'maxMessages'], kind: 'number' },
  PIPELINE_BATCH_MAX_BYTES: { path: ['batch', 'maxBytes'], kind: 'number' },
  PIPELINE_MAX_MESSAGE_BYTES: { path: ['limits', 'maxMessageBytes'], kind: 'number' },
  PIPELINE_BATCH_MAX_WAIT_MS: { path: ['batch', 'maxWaitMs'], kind: 'number' },
  PIPELINE_BATCH_MAX_HOLD_MS: { path: ['batch', 'maxHoldMs'], kind: 'number' },
  PIPELINE_BATCH_RUN_MAX_BATCHES: { path: ['batch', 'runMaxBatches'], kind: 'number' },
  PIPELINE_BATCH_RUN_MAX_RECORDS: { path: ['batch', 'runMaxRecords'], kind: 'number' },
  PIPELINE_COMPACT_AFTER_BATCHES: { path: ['compaction', 'afterBatches'], kind: 'number' },
  PIPELINE_ALERT_THROTTLE_MINUTES: { path: ['alerts', 'throttleMinutes'], kind: 'number' },
  PIPELINE_KAFKA_TLS: { path: ['kafka', 'tls', 'enabled'], kind: 'boolean' },
  PIPELINE_KAFKA_TLS_CA_FILE: { path: ['kafka', 'tls', 'caFile'], kind: 'string' },
  PIPELINE_KAFKA_TLS_CERT_FILE: { path: ['kafka', 'tls', 'certFile'], kind: 'string' },
  PIPELINE_KAFKA_TLS_KEY_FILE: { path: ['kafka', 'tls', 'keyFile'], kind: 'string' },
  PIPELINE_KAFKA_TLS_SERVERNAME: { path: ['kafka', 'tls', 'servername'], kind: 'string' },
  KAFKA_SASL_MECHANISM: { path: ['kafka', 'sasl', 'mechanism'], kind: 'string' },
  KAFKA_SASL_USERNAME: { path: ['kafka', 'sasl', 'username'], kind: 'string' },
  PIPELINE_KAFKA_SASL_ALLOW_PLAINTEXT: { path: ['kafka', 'sasl', 'allowPlaintext'], kind: 'boolean' },
  PIPELINE_TEMPORAL_TLS: { path: ['temporal', 'tls', 'enabled'], kind: 'boolean' },
  PIPELINE_TEMPORAL_TLS_CA_FILE: { path: ['temporal', 'tls', 'caFile'], kind: 'string' },
  PIPELINE_TEMPORAL_TLS_CERT_FILE: { path: ['temporal', 'tls', 'certFile'], kind: 'string' },
  PIPELINE_TEMPORAL_TLS_KEY_FILE: { path: ['temporal', 'tls', 'keyFile'], kind: 'string' },
  PIPELINE_TEMPORAL_TLS_SERVERNAME: { path: ['temporal', 'tls', 'servername'], kind: 'string' },
};

/** Overrides of the chosen target's fields: PIPELINE_TOPIC applies to whichever target is active. */
export const TARGET_ENV_OVERRIDES: Readonly<Record<string, string>> = {
  PIPELINE_NAMESPACE: 'namespace',
  PIPELINE_TOPIC: 'topic',
  PIPELINE_CONSUMER_GROUP: 'consumerGroup',
  PIPELINE_LAKE_PREFIX: 'lakePrefix',
};

function coerce(text: string, kind: 'string' | 'number' | 'boolean' | 'list'): unknown {
  switch (kind) {
    case 'string':
      return text;
    case 'number':
      return /^-?\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : text;
    case 'boolean':
      return text === 'true' ? true : text === 'false' ? false : text;
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s.length > 0);
  }
}

function setPath(obj: Json, keys: readonly string[], value: unknown): void {
  let node = obj;
  for (const key of keys.slice(0, -1)) {
    const child = node[key];
    if (typeof child !== 'object' || child === null || Array.isArray(child)) node[key] = {};
    node = node[key] as Json;
  }
  node[keys[keys.length - 1] as string] = value;
}

/** Applies environment overrides to a parsed config file (a fresh object; the input is untouched). */
export function applyEnv(fileConfig: Json, env: NodeJS.ProcessEnv): Json {
  const config = structuredClone(fileConfig);
  for (const [name, { path: keys, kind }] of Object.entries(ENV_OVERRIDES)) {
    const text = env[name];
    // Empty means unset, except for lists, where it is how to say "none".
    if (text !== undefined && (text !== '' || kind === 'list')) setPath(config, keys, coerce(text, kind));
  }
  const targetName = typeof config.target === 'string' ? config.target : 'dev';
  for (const [name, field] of Object.entries(TARGET_ENV_OVERRIDES)) {
    const text = env[name];
    if (text !== undefined && text !== '') setPath(config, ['targets', targetName, field], text);
  }
  return config;
}

/** Certificate and key paths, like the lake root, are relative to the config file. */
function resolveTlsFiles(config: Json, dir: string): Json {
  for (const service of SECURED_SERVICES) {
    const tls = (config[service] as Json | undefined)?.tls as Json | undefined;
    for (const field of TLS_FILE_FIELDS) {
      const file = tls?.[field];
      if (typeof file === 'string' && file !== '') (tls as Json)[field] = path.resolve(dir, file);
    }
  }
  return config;
}

export interface LoadOptions {
  file?: string;
  env?: NodeJS.ProcessEnv;
}

/** Reads, overrides and validates the config; throws ConfigError listing every problem. */
export function loadConfig(options: LoadOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const file = path.resolve(options.file ?? env.PIPELINE_CONFIG ?? DEFAULT_CONFIG_FILE);
  if (!existsSync(file)) throw new ConfigError([`config file ${file} does not exist`]);
  let fileConfig: unknown;
  try {
    fileConfig = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError([`config file ${file} is not valid JSON: ${(e as Error).message}`]);
  }
  if (typeof fileConfig !== 'object' || fileConfig === null || Array.isArray(fileConfig)) {
    throw new ConfigError([`config file ${file} must hold a JSON object`]);
  }
  const merged = resolveTlsFiles(applyEnv(fileConfig as Json, env), path.dirname(file));
  // A relative lake root is relative to the config file, not to wherever the command was run;
  // without one, the lake sits beside the local stack's Temporal and Kafka state.
  return resolveConfig(merged, (root, prefix) => path.resolve(path.dirname(file), root, prefix), path.join(localStackHome(env), 'lake'));
}
