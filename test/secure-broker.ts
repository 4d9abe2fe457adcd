/**
 * A second, throw-away Kafka broker that only speaks SASL_SSL and mutual TLS, for the tests of
 * secured connections: a CA and certificates made with openssl, SCRAM-SHA-512 users created when
 * the storage is formatted, PLAIN users in the listener's JAAS line, all on free loopback ports,
 * from the local stack's Kafka jars. `stop` ends the broker and removes every file it made.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { localStackHome } from '../config/local-home';
import { LOG4J_CONFIG, stackPaths } from '../scripts/stack/layout';
import { formatKafkaStorage, portOpen, SINGLE_BROKER_PROPERTIES } from '../scripts/stack/supervise';
import { waitFor } from '../scripts/sandbox';

export interface SecureBroker {
  /** `127.0.0.1:<port>` of the SASL_SSL listener. */
  address: string;
  /** PEM of the CA that signed the broker's certificate. */
  caFile: string;
  /** `127.0.0.1:<port>` of the SSL listener that requires a client certificate signed by the CA. */
  mtlsAddress: string;
  /** A client certificate and key the mTLS listener accepts. */
  clientCert: string;
  clientKey: string;
  /** Users and passwords: SCRAM-SHA-512 and PLAIN accept the same ones. */
  users: Readonly<Record<string, string>>;
  dir: string;
  log(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

export interface TestCertificates {
  caFile: string;
  /** For 127.0.0.1 and localhost. */
  serverCert: string;
  serverKey: string;
  /** Accepted by a server that requires client certificates signed by the CA. */
  clientCert: string;
  clientKey: string;
}

/** A throw-away CA, and a server and a client certificate signed by it, as PEM files in `dir`. */
export function makeTestCertificates(dir: string): TestCertificates {
  const at = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  const signed = (name: string, subject: string, extensions: string) => {
    openssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', at(`${name}.key`), '-out', at(`${name}.csr`), '-subj', subject);
    writeFileSync(at(`${name}.ext`), extensions);
    openssl(
      'x509',
      '-req',
      '-in',
      at(`${name}.csr`),
      '-CA',
      at('ca.pem'),
      '-CAkey',
      at('ca.key'),
      '-CAcreateserial',
      '-out',
      at(`${name}.pem`),
      '-days',
      '2',
      '-extfile',
      at(`${name}.ext`),
    );
  };
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=pipeline test CA',
  );
  signed('server', '/CN=localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  signed('client', '/CN=pipeline', 'extendedKeyUsage=clientAuth\n');
  return {
    caFile: at('ca.pem'),
    serverCert: at('server.pem'),
    serverKey: at('server.key'),
    clientCert: at('client.pem'),
    clientKey: at('client.key'),
  };
}

export async function startSecureBroker(users: Readonly<Record<string, string>>): Promise<SecureBroker> {
  const libs = stackPaths(localStackHome()).kafkaLibs;
  if (!existsSync(libs)) throw new Error(`no Kafka jars at ${libs}: install the local stack first (npx pipeline stack up)`);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'secure-broker-'));
  const storePassword = randomBytes(12).toString('hex');
  const { caFile, serverCert, serverKey, clientCert, clientKey } = makeTestCertificates(dir);
  const keystore = path.join(dir, 'server.p12');
  execFileSync(
    'openssl',
    ['pkcs12', '-export', '-in', serverCert, '-inkey', serverKey, '-out', keystore, '-name', 'broker', '-passout', `pass:${storePassword}`],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  const [saslPort, mtlsPort, internalPort, controllerPort] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const plainUsers = Object.entries(users)
    .map(([user, password]) => `user_${user}="${password}"`)
    .join(' ');
  const props = path.join(dir, 'server.properties');
  writeFileSync(
    props,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${controllerPort}`,
      // Clients reach only SASL_SSL and mutual TLS; the broker talks to itself in plain on loopback.
      `listeners=SASL_SSL://127.0.0.1:${saslPort},MTLS://127.0.0.1:${mtlsPort},INTERNAL://127.0.0.1:${internalPort},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=SASL_SSL://127.0.0.1:${saslPort},MTLS://127.0.0.1:${mtlsPort},INTERNAL://127.0.0.1:${internalPort}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=SASL_SSL:SASL_SSL,MTLS:SSL,INTERNAL:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'listener.name.mtls.ssl.client.auth=required',
      'ssl.truststore.type=PEM',
      `ssl.truststore.location=${caFile}`,
      'inter.broker.listener.name=INTERNAL',
      'sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN',
      'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;',
      `listener.name.sasl_ssl.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required ${plainUsers};`,
      'ssl.keystore.type=PKCS12',
      `ssl.keystore.location=${keystore}`,
      `ssl.keystore.password=${storePassword}`,
      `log.dirs=${path.join(dir, 'data')}`,
      'num.partitions=1',
      'offsets.topic.num.partitions=1',
      ...SINGLE_BROKER_PROPERTIES,
      '',
    ].join('\n'),
  );
  const classpath = `${libs}/*`;
  const java = ['-cp', classpath, `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`];
  const scram = Object.entries(users).flatMap(([user, password]) => ['--add-scram', `SCRAM-SHA-512=[name=${user},password=${password}]`]);
  formatKafkaStorage({ classpath, propsFile: props, extraArgs: scram, stderr: 'pipe' });
  const child = spawn('java', ['-Xms128m', '-Xmx512m', '-XX:+UseSerialGC', ...java, 'kafka.Kafka', props], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let output = '';
  for (const stream of [child.stdout, child.stderr]) stream.on('data', (c: Buffer) => (output += c.toString()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitFor(
      'the SASL_SSL broker to listen',
      async () => {
        if (child.exitCode !== null) throw new Error(`the broker exited (${child.exitCode}):\n${output.slice(-3000)}`);
        return (await portOpen(saslPort)) && (await portOpen(mtlsPort));
      },
      90_000,
      250,
    );
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${output.slice(-3000)}`, { cause: e });
  }
  return {
    address: `127.0.0.1:${saslPort}`,
    mtlsAddress: `127.0.0.1:${mtlsPort}`,
    caFile,
    clientCert,
    clientKey,
    users,
    dir,
    log: () => output,
    stop,
  };
}
