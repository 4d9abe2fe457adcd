/**
 * The one way to make a Kafka client: TLS and SASL as the config says, the SASL password from
 * KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE. Neither the password nor key material ever
 * reaches a log line or an error message.
 */
import { Kafka, logLevel } from 'kafkajs';
import type { Admin, KafkaConfig, logCreator as logCreatorType, SASLOptions } from 'kafkajs';
import type { ResolvedConfig } from '../../config/schema';
import { readSecret, readTlsMaterial, redact } from '../../config/secrets';
import type { SaslConfig } from '../../config/security';

export const KAFKA_SASL_PASSWORD = 'KAFKA_SASL_PASSWORD';

type KafkaSettings = Pick<ResolvedConfig['kafka'], 'brokers' | 'clientId' | 'tls' | 'sasl'>;

function saslPassword({ mechanism, username }: SaslConfig, env: NodeJS.ProcessEnv): string {
  const password = readSecret(KAFKA_SASL_PASSWORD, env);
  if (password === undefined) {
    throw new Error(`kafka.sasl (${mechanism}, user ${username}) needs a password: set ${KAFKA_SASL_PASSWORD} or ${KAFKA_SASL_PASSWORD}_FILE`);
  }
  return password;
}

/** Errors kafkajs logs while it retries them anyway, typically for seconds after a broker starts. */
const TRANSIENT =
  /coordinator is loading|coordinator is not available|not the leader|no leader|leadership election|Connection error: connect ECONNREFUSED/i;

/**
 * Producers retry a bounded number of times on purpose (a demo or test producer should fail, not
 * hang); the pipeline's exactly-once rests on offsets, not on the producer's sequence numbers.
 */
const BOUNDED_RETRIES_WARNING = /Limiting retries for the idempotent producer/;

/** kafkajs's levels are a plain object (ERROR: 1, …), so the name needs a lookup. */
const LEVEL_NAMES = new Map(Object.entries(logLevel).map(([name, value]) => [value, name]));

/**
 * kafkajs log lines to stderr as one JSON line each, without the ones it recovers from itself,
 * and with the password blanked should a broker's error message ever quote it.
 */
const logCreatorHiding =
  (secret: string | undefined): logCreatorType =>
  () =>
  ({ level, log }) => {
    const error = typeof log.error === 'string' ? log.error : '';
    if (level > logLevel.WARN || TRANSIENT.test(error) || TRANSIENT.test(log.message) || BOUNDED_RETRIES_WARNING.test(log.message)) return;
    const line = JSON.stringify({ level: LEVEL_NAMES.get(level), logger: 'kafkajs', message: log.message, error: error || undefined });
    process.stderr.write(`${redact(line, [secret])}\n`);
  };

/** The kafkajs settings for a config: what createKafka builds its client from. */
export function kafkaClientConfig(settings: KafkaSettings, env: NodeJS.ProcessEnv = process.env): KafkaConfig {
  const { sasl } = settings;
  const password = sasl ? saslPassword(sasl, env) : undefined;
  const tls = settings.tls?.enabled ? settings.tls : undefined;
  return {
    clientId: settings.clientId,
    brokers: settings.brokers,
    logLevel: logLevel.WARN,
    logCreator: logCreatorHiding(password),
    retry: { initialRetryTime: 300, retries: 8 },
    // Certificates are checked (rejectUnauthorized) whenever TLS is on.
    ...(tls ? { ssl: { ...readTlsMaterial(tls, 'kafka.tls'), rejectUnauthorized: true } } : {}),
    ...(sasl ? { sasl: { mechanism: sasl.mechanism, username: sasl.username, password } as SASLOptions } : {}),
  };
}

/**
 * Every Kafka client of the project (worker, CLI, bench, tests) comes from here. `retry` is for
 * callers that must learn of a failure at once rather than after the usual retries.
 */
export function createKafka(settings: KafkaSettings, env: NodeJS.ProcessEnv = process.env, retry?: KafkaConfig['retry']): Kafka {
  const config = kafkaClientConfig(settings, env);
  return new Kafka(retry ? { ...config, retry } : config);
}

export interface PartitionWatermark {
  partition: number;
  low: bigint;
  high: bigint;
}

/** One admin connection, and how many lookups are using it right now. */
interface AdminConnection {
  admin: Promise<Admin>;
  users: number;
  /** Failed: no new lookups use it, and it is disconnected once the last one is done. */
  retired: boolean;
}

/**
 * Offsets of topics through one admin connection, opened on first use and reopened after an
 * error. One per process: ingest polls it several times a second while waiting for a batch.
 *
 * A connection is disconnected only when no lookup is using it: on close, after lookups in
 * flight are answered; after an error, once the lookups still using it are done. A lookup after
 * close is refused, since the connection it would open would never be closed.
 */
export class TopicOffsets {
  private current: AdminConnection | null = null;
  private closing: Promise<void> | null = null;
  /** Lookups and disconnects still running; close waits for them. */
  private readonly inFlight = new Set<Promise<unknown>>();

  constructor(private readonly kafka: Pick<Kafka, 'admin'>) {}

  private connection(): AdminConnection {
    this.current ??= {
      admin: (async () => {
        const admin = this.kafka.admin();
        await admin.connect();
        return admin;
      })(),
      users: 0,
      retired: false,
    };
    return this.current;
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    const forget = () => this.inFlight.delete(p);
    void p.then(forget, forget);
    return p;
  }

  private disconnectIfIdle(conn: AdminConnection): void {
    if (conn.retired && conn.users === 0) void this.track(conn.admin.then((a) => a.disconnect()).catch(() => undefined));
  }

  /** Runs one request on the shared connection. Commits may still run while closing. */
  private use<T>(fn: (admin: Admin) => Promise<T>, { whileClosing = false } = {}): Promise<T> {
    if (this.closing && !whileClosing) return Promise.reject(new Error('Kafka offsets lookup after close: this TopicOffsets is closed'));
    const conn = this.connection();
    conn.users += 1;
    return this.track(
      (async () => {
        try {
          return await fn(await conn.admin);
        } catch (e) {
          conn.retired = true;
          if (this.current === conn) this.current = null;
          throw e;
        } finally {
          conn.users -= 1;
          this.disconnectIfIdle(conn);
        }
      })(),
    );
  }

  /** Low and high watermarks (high = next offset to be written) of every partition. */
  watermarks(topic: string): Promise<PartitionWatermark[]> {
    return this.use(async (admin) =>
      (await admin.fetchTopicOffsets(topic))
        .map((o) => ({ partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) }))
        .sort((a, b) => a.partition - b.partition),
    );
  }

  private pendingCommits = new Map<string, { groupId: string; topic: string; partitions: Map<number, string> }>();
  private committing: Promise<void> | null = null;

  /**
   * Records a consumer group's position in Kafka, in the background. kafkajs commits for an
   * idle group by joining it (seconds), so commits run one at a time off the batch path, and a
   * newer position replaces one still waiting. The position's source of truth is elsewhere;
   * this only makes it visible to Kafka tooling, so failures are ignored.
   */
  commitGroupOffsetsInBackground(groupId: string, topic: string, partitions: { partition: number; offset: string }[]): void {
    if (this.closing) return; // it would need a connection that close has already let go
    const key = `${groupId}\u0000${topic}`;
    const pending = this.pendingCommits.get(key) ?? { groupId, topic, partitions: new Map<number, string>() };
    for (const p of partitions) pending.partitions.set(p.partition, p.offset);
    this.pendingCommits.set(key, pending);
    this.committing ??= this.drainCommits().finally(() => {
      this.committing = null;
    });
  }

  private async drainCommits(): Promise<void> {
    for (const [key, commit] of this.pendingCommits) {
      this.pendingCommits.delete(key);
      const partitions = [...commit.partitions].map(([partition, offset]) => ({ partition, offset }));
      await this.use((admin) => admin.setOffsets({ groupId: commit.groupId, topic: commit.topic, partitions }), { whileClosing: true }).catch(
        () => undefined,
      );
    }
  }

  /** Sends the commits still waiting, lets lookups in flight finish, then disconnects. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.committing;
      while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
      const conn = this.current;
      this.current = null;
      if (conn) {
        conn.retired = true;
        this.disconnectIfIdle(conn);
        await Promise.allSettled([...this.inFlight]);
      }
    })();
    return this.closing;
  }
}
