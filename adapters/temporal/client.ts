/** Temporal client connection for the CLI and the worker. */
import { Client, Connection } from '@temporalio/client';
import type { TLSConfig } from '@temporalio/client';
import type { ResolvedConfig } from '../../config/schema';
import { readSecret, readTlsMaterial, redact } from '../../config/secrets';

export const TEMPORAL_API_KEY = 'TEMPORAL_API_KEY';

/** What both the client's Connection and the worker's NativeConnection are opened with. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig;
  apiKey?: string;
}

/**
 * Connection options from `temporal.tls` and the API key in TEMPORAL_API_KEY(_FILE). An API key
 * turns TLS on (it is a bearer credential), and is refused over a connection configured
 * without TLS.
 */
export function temporalConnectionOptions(temporal: ResolvedConfig['temporal'], env: NodeJS.ProcessEnv = process.env): TemporalConnectionOptions {
  const apiKey = readSecret(TEMPORAL_API_KEY, env);
  const tls = temporal.tls;
  if (apiKey !== undefined && tls?.enabled === false) {
    throw new Error(`${TEMPORAL_API_KEY} is set but temporal.tls.enabled is false: the key would travel readable; turn TLS on`);
  }
  if (!tls?.enabled && apiKey === undefined) return { address: temporal.address };
  const material = tls?.enabled ? readTlsMaterial(tls, 'temporal.tls') : {};
  return {
    address: temporal.address,
    tls: {
      ...(material.ca ? { serverRootCACertificate: material.ca } : {}),
      ...(material.cert && material.key ? { clientCertPair: { crt: material.cert, key: material.key } } : {}),
      ...(material.servername ? { serverNameOverride: material.servername } : {}),
    },
    ...(apiKey !== undefined ? { apiKey } : {}),
  };
}

export async function connectClient(config: ResolvedConfig, env: NodeJS.ProcessEnv = process.env): Promise<Client> {
  const options = temporalConnectionOptions(config.temporal, env);
  let connection: Connection;
  try {
    connection = await Connection.connect({ ...options, connectTimeout: '5 seconds' });
  } catch (e) {
    // The SDK's message is generic ("Failed to connect…"); the server's answer is in its cause.
    const cause = (e as Error).cause instanceof Error ? `: ${((e as Error).cause as Error).message}` : '';
    const reason = redact(`${(e as Error).message}${cause}`, [options.apiKey]);
    const hint = options.tls ? 'check temporal.tls (CA, client certificate) and the API key' : 'is the stack up? (pipeline stack up)';
    // eslint-disable-next-line preserve-caught-error -- the original error may quote the API key
    throw new Error(`cannot reach Temporal at ${config.temporal.address} (${reason}); ${hint}`);
  }
  return new Client({ connection, namespace: config.temporal.namespace });
}

/** Runs `fn` with a client, and closes its connection whatever happens. */
export async function withTemporalClient<T>(config: ResolvedConfig, fn: (temporal: Client) => Promise<T>): Promise<T> {
  const temporal = await connectClient(config);
  try {
    return await fn(temporal);
  } finally {
    await temporal.connection.close();
  }
}

/** Web UI link of a workflow, for operators and alerts. */
export function workflowUiUrl(config: ResolvedConfig, workflowId: string): string {
  return `${config.temporal.uiUrl.replace(/\/$/, '')}/namespaces/${encodeURIComponent(config.temporal.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
