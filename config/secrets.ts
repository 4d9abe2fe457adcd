/**
 * Secrets and key material, read where connections are made, never stored in the config, never
 * part of a message: errors name the variable or the file, not what it holds.
 */
import { readFileSync } from 'node:fs';
import type { TlsConfig } from './security';

/**
 * A secret from the environment (`NAME`) or a file (`NAME_FILE`, trimmed). Undefined when neither
 * is set.
 */
export function readSecret(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const direct = env[name];
  if (direct !== undefined && direct !== '') return direct;
  const file = env[`${name}_FILE`];
  if (file === undefined || file === '') return undefined;
  try {
    return readFileSync(file, 'utf8').trim();
  } catch (e) {
    // The path is no secret; the file's content never reaches this message.
    throw new Error(`cannot read ${name}_FILE (${file}): ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: e });
  }
}

export interface TlsMaterial {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
}

function readKeyFile(setting: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (e) {
    throw new Error(`cannot read ${setting} (${file}): ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`, { cause: e });
  }
}

/** The CA, client certificate and key a TLS setting names, read from their files. */
export function readTlsMaterial(tls: TlsConfig, where: string): TlsMaterial {
  return {
    ...(tls.caFile ? { ca: readKeyFile(`${where}.caFile`, tls.caFile) } : {}),
    ...(tls.certFile ? { cert: readKeyFile(`${where}.certFile`, tls.certFile) } : {}),
    ...(tls.keyFile ? { key: readKeyFile(`${where}.keyFile`, tls.keyFile) } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
  };
}

/** Text with every occurrence of the given secrets replaced, for messages built from library errors. */
export function redact(text: string, secrets: readonly (string | undefined)[]): string {
  let out = text;
  for (const secret of secrets) if (secret) out = out.split(secret).join('[redacted]');
  return out;
}
