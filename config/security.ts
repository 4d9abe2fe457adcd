/**
 * How the pipeline's connections are secured: TLS (a private CA, a client certificate for mutual
 * TLS, a server name) for Kafka and Temporal, and SASL for Kafka. Only file paths and names live
 * in the config; the SASL password and the Temporal API key come from the environment where the
 * connections are made (./secrets.ts).
 */
import { z } from 'zod';

export const KAFKA_SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

export const TlsSchema = z.strictObject({
  /** Present means on; `false` keeps the other settings but connects without TLS. */
  enabled: z.boolean().default(true),
  /** PEM file of the CA that signed the server's certificate; without it, the system's CAs. */
  caFile: z.string().min(1).optional(),
  /** PEM client certificate and its private key, for mutual TLS: both or neither. */
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  /** Name the server's certificate must carry, when it is not the host of the address. */
  servername: z.string().min(1).optional(),
});

export const SaslSchema = z.strictObject({
  mechanism: z.enum(KAFKA_SASL_MECHANISMS),
  /** The password is never here: KAFKA_SASL_PASSWORD or KAFKA_SASL_PASSWORD_FILE. */
  username: z.string().min(1),
  /** SASL over a connection without TLS, for local testing only: credentials travel readable. */
  allowPlaintext: z.boolean().default(false),
});

export type TlsConfig = z.infer<typeof TlsSchema>;
export type SaslConfig = z.infer<typeof SaslSchema>;

/** The config sections with a `tls` setting, and its fields that name files. */
export const SECURED_SERVICES = ['kafka', 'temporal'] as const;
export const TLS_FILE_FIELDS = ['caFile', 'certFile', 'keyFile'] as const;

function objectAt(input: unknown, ...keys: string[]): Record<string, unknown> | undefined {
  let node = input;
  for (const key of keys) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return typeof node === 'object' && node !== null && !Array.isArray(node) ? (node as Record<string, unknown>) : undefined;
}

const tlsOn = (tls: Record<string, unknown> | undefined) => tls !== undefined && tls.enabled !== false;

/** Problems across the security fields, checked on the raw input (see crossFieldProblems). */
export function securityProblems(input: unknown): string[] {
  const problems: string[] = [];
  for (const service of SECURED_SERVICES) {
    const tls = objectAt(input, service, 'tls');
    if (tls && (tls.certFile === undefined) !== (tls.keyFile === undefined)) {
      problems.push(`${service}.tls: certFile and keyFile go together (a client certificate needs its key, and a key its certificate)`);
    }
  }
  const sasl = objectAt(input, 'kafka', 'sasl');
  if (sasl && !tlsOn(objectAt(input, 'kafka', 'tls')) && sasl.allowPlaintext !== true) {
    problems.push(
      'kafka.sasl: SASL without TLS sends the credentials readable (with plain, the password itself); turn on kafka.tls (PIPELINE_KAFKA_TLS=true), or set kafka.sasl.allowPlaintext: true for local testing only',
    );
  }
  return problems;
}
