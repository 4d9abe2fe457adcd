/**
 * Runs the local stack's processes: starts the Temporal dev server and the Kafka broker detached,
 * on loopback, with pid files and logs under the stack's home, and stops only what it started.
 * A service already listening on its port is used as it is.
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { LOG4J_CONFIG, stackPaths } from './layout';
import type { Say, ServiceName, StackSettings } from './layout';

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 500): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

function readPid(file: string): number | null {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8'), 10);
    return Number.isFinite(pid) ? pid : null;
  } catch {
    return null;
  }
}

/** The pid in a pid file, if that process is alive and is still the service we started. */
export function ownedPid(home: string, name: ServiceName): number | null {
  const pid = readPid(stackPaths(home).pidFile(name));
  if (pid === null) return null;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const marker = name === 'temporal' ? 'start-dev' : 'kafka.Kafka';
    return cmdline.includes(marker) ? pid : null;
  } catch {
    return null;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); it is not running.
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2]?.startsWith('Z');
  } catch {
    return false;
  }
}

function startDetached(home: string, name: ServiceName, cmd: string, args: string[]): number {
  const p = stackPaths(home);
  mkdirSync(p.run, { recursive: true });
  mkdirSync(p.logs, { recursive: true });
  const log = openSync(p.logFile(name), 'a');
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  child.unref();
  if (child.pid === undefined) throw new Error(`could not start ${name}`);
  writeFileSync(p.pidFile(name), String(child.pid));
  return child.pid;
}

async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, logFile: string, pid: number | null): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    if (pid !== null && !isAlive(pid)) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-15).join('\n') : '';
  throw new Error(`${what} did not become ready${pid !== null && !isAlive(pid) ? ' (the process exited)' : ''}; last lines of ${logFile}:\n${tail}`);
}

/** Says so and returns true when something already listens on the service's port. */
async function alreadyRunning(settings: StackSettings, name: ServiceName, port: number, say: Say): Promise<boolean> {
  if (!(await portOpen(port))) return false;
  say(`${name}: already running on 127.0.0.1:${port}${ownedPid(settings.home, name) ? '' : ' (not started by this stack; left alone)'}`);
  return true;
}

/** What a broker that is its own cluster needs: internal topics of one replica, topics made only on purpose. */
export const SINGLE_BROKER_PROPERTIES: readonly string[] = [
  'offsets.topic.replication.factor=1',
  'transaction.state.log.replication.factor=1',
  'transaction.state.log.min.isr=1',
  'share.coordinator.state.topic.replication.factor=1',
  'share.coordinator.state.topic.min.isr=1',
  // No point waiting for more group members before the first rebalance.
  'group.initial.rebalance.delay.ms=0',
  'auto.create.topics.enable=false',
];

function kafkaProperties(settings: StackSettings, dataDir: string): string {
  const controller = settings.kafkaPort + 1;
  return [
    'process.roles=broker,controller',
    'node.id=1',
    `controller.quorum.bootstrap.servers=127.0.0.1:${controller}`,
    `listeners=PLAINTEXT://127.0.0.1:${settings.kafkaPort},CONTROLLER://127.0.0.1:${controller}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${settings.kafkaPort}`,
    'controller.listener.names=CONTROLLER',
    'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
    'inter.broker.listener.name=PLAINTEXT',
    `log.dirs=${dataDir}`,
    'num.partitions=3',
    ...SINGLE_BROKER_PROPERTIES,
    '',
  ].join('\n');
}

/** Starts the Temporal dev server unless its port is taken. Returns whether it started it. */
export async function startTemporal(settings: StackSettings, say: Say): Promise<boolean> {
  if (await alreadyRunning(settings, 'temporal', settings.temporalPort, say)) return false;
  const p = stackPaths(settings.home);
  mkdirSync(path.dirname(p.temporalDb), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(settings.temporalPort),
    '--ui-port',
    String(settings.uiPort),
    '--db-filename',
    p.temporalDb,
    '--search-attribute',
    'ClientId=Keyword',
    '--search-attribute',
    'PipelineState=Keyword',
    '--log-level',
    'warn',
    // SQLite's defaults (a rollback journal, fsync on every commit) cost the server more CPU and
    // disk waits per workflow event than anything else it does. A write-ahead log synced at
    // checkpoints survives the server being killed; only a machine crash may lose the last commits.
    '--sqlite-pragma',
    'journal_mode=wal',
    '--sqlite-pragma',
    'synchronous=normal',
    ...settings.namespaces.flatMap((ns) => ['--namespace', ns]),
  ];
  const pid = startDetached(settings.home, 'temporal', p.temporalBin, args);
  await waitFor(
    'Temporal',
    async () => (await portOpen(settings.temporalPort)) && (await portOpen(settings.uiPort)),
    60_000,
    p.logFile('temporal'),
    pid,
  );
  say(`temporal: started (pid ${pid}) on 127.0.0.1:${settings.temporalPort}, Web UI http://127.0.0.1:${settings.uiPort}`);
  return true;
}

/**
 * Formats a KRaft broker's storage once, before its first start. A cluster id is 16 random bytes
 * in base64url, so about one in 64 begins with '-'.
 */
export function formatKafkaStorage(options: {
  classpath: string;
  propsFile: string;
  clusterId?: string;
  extraArgs?: readonly string[];
  stderr: 'inherit' | 'pipe';
}): void {
  const clusterId = options.clusterId ?? randomBytes(16).toString('base64url');
  execFileSync(
    'java',
    [
      '-cp',
      options.classpath,
      `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
      'kafka.tools.StorageTool',
      'format',
      '--standalone',
      // Joined with '=', so an id that begins with '-' is not read as an option.
      `--cluster-id=${clusterId}`,
      '-c',
      options.propsFile,
      ...(options.extraArgs ?? []),
    ],
    { stdio: ['ignore', 'ignore', options.stderr] },
  );
}

/** Starts the Kafka broker (formatting its storage the first time) unless its port is taken. */
export async function startKafka(settings: StackSettings, say: Say): Promise<boolean> {
  if (await alreadyRunning(settings, 'kafka', settings.kafkaPort, say)) return false;
  const p = stackPaths(settings.home);
  mkdirSync(p.run, { recursive: true });
  const propsFile = path.join(p.run, 'kafka-server.properties');
  writeFileSync(propsFile, kafkaProperties(settings, p.kafkaData));
  const classpath = `${p.kafkaLibs}/*`;
  if (!existsSync(path.join(p.kafkaData, 'meta.properties'))) {
    formatKafkaStorage({ classpath, propsFile, stderr: 'inherit' });
  }
  const pid = startDetached(settings.home, 'kafka', 'java', [
    '-Xms256m',
    '-Xmx1g',
    '-XX:+UseG1GC',
    `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
    '-cp',
    classpath,
    'kafka.Kafka',
    propsFile,
  ]);
  await waitFor('Kafka', () => portOpen(settings.kafkaPort), 90_000, p.logFile('kafka'), pid);
  say(`kafka: started (pid ${pid}) on 127.0.0.1:${settings.kafkaPort}`);
  return true;
}

/** Stops a service if this stack started it (SIGTERM, then SIGKILL after 30 s); clears its pid file. */
export async function stopService(home: string, name: ServiceName, say: Say): Promise<void> {
  const pid = ownedPid(home, name);
  const pidFile = stackPaths(home).pidFile(name);
  if (pid === null) {
    rmSync(pidFile, { force: true });
    return;
  }
  process.kill(pid, 'SIGTERM');
  const deadline = Date.now() + 30_000;
  while (isAlive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
  if (isAlive(pid)) process.kill(pid, 'SIGKILL');
  rmSync(pidFile, { force: true });
  say(`${name}: stopped (pid ${pid})`);
}
