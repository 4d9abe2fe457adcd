/**
 * The local stack: a real Temporal dev server (with Web UI) and a real Apache Kafka broker in
 * KRaft mode, installed on first use from pinned versions into a cache outside the clone, and
 * started on loopback. `down` stops only what `up` started.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';

export const TEMPORAL_CLI_VERSION = 'v1.5.1';
const KAFKA_POM = path.join(__dirname, 'kafka-pom.xml');
const LOG4J_CONFIG = path.join(__dirname, 'log4j2.properties');
export const KAFKA_VERSION = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(KAFKA_POM, 'utf8'))?.[1] ?? 'unknown';

export type ServiceName = 'temporal' | 'kafka';

export interface StackSettings {
  home: string;
  temporalPort: number;
  uiPort: number;
  kafkaPort: number;
  /** Namespaces besides `default` to create (one per configured target). */
  namespaces: string[];
}

export interface ServiceStatus {
  name: ServiceName;
  installed: boolean;
  reachable: boolean;
  /** Pid of the process `up` started, when it is still running. */
  ownedPid: number | null;
  address: string;
  version: string;
}


const paths = (home: string) => ({
  temporalBin: path.join(home, `temporal-${TEMPORAL_CLI_VERSION}`, 'bin', 'temporal'),
  kafkaLibs: path.join(home, `kafka-${KAFKA_VERSION}`, 'libs'),
  temporalDb: path.join(home, 'state', 'temporal.db'),
  kafkaData: path.join(home, 'state', `kafka-${KAFKA_VERSION}-data`),
  run: path.join(home, 'run'),
  logs: path.join(home, 'logs'),
  pidFile: (name: ServiceName) => path.join(home, 'run', `${name}.pid`),
  logFile: (name: ServiceName) => path.join(home, 'logs', `${name}.log`),
});

type Say = (line: string) => void;

// ---------------------------------------------------------------------------------------------
// Installation

function onPath(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

/** Installs a missing build tool from Debian's packages when we may (root with apt-get). */
function ensureTool(cmd: string, debianPackage: string, say: Say): void {
  if (onPath(cmd)) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !onPath('apt-get')) {
    throw new Error(`${cmd} is required to install the local stack; install the Debian package ${debianPackage} (or equivalent)`);
  }
  say(`installing ${debianPackage} (apt-get) for ${cmd}...`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', debianPackage], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

/** Runs a long install step, printing its output and a heartbeat line so a user sees progress. */
function runLoud(cmd: string, args: string[], env: NodeJS.ProcessEnv, say: Say, what: string): Promise<void> {
  const started = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    const ticker = setInterval(() => say(`  ...still ${what} (${Math.round((Date.now() - started) / 1000)}s)`), 20_000);
    child.on('error', (e) => {
      clearInterval(ticker);
      reject(e);
    });
    child.on('exit', (code) => {
      clearInterval(ticker);
      if (code === 0) resolve();
      else reject(new Error(`${what} failed (${cmd} exited with ${code})`));
    });
  });
}

export async function install(settings: StackSettings, say: Say): Promise<void> {
  const p = paths(settings.home);
  if (!existsSync(p.temporalBin)) {
    ensureTool('go', 'golang-go', say);
    say(`installing Temporal CLI ${TEMPORAL_CLI_VERSION} (built from its Go module; the first time takes a few minutes)...`);
    const started = Date.now();
    await runLoud(
      'go',
      ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`],
      // GOTOOLCHAIN=auto lets an older Go fetch the toolchain the module asks for.
      { ...process.env, GOBIN: path.dirname(p.temporalBin), GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'auto', GOFLAGS: '-mod=mod' },
      say,
      'compiling Temporal',
    );
    say(`Temporal CLI installed in ${Math.round((Date.now() - started) / 1000)}s: ${p.temporalBin}`);
  }
  if (!existsSync(path.join(p.kafkaLibs, `kafka_2.13-${KAFKA_VERSION}.jar`))) {
    ensureTool('java', 'default-jre-headless', say);
    ensureTool('mvn', 'maven', say);
    say(`installing Apache Kafka ${KAFKA_VERSION} jars from Maven Central...`);
    const started = Date.now();
    await runLoud(
      'mvn',
      ['-B', '-q', '-f', KAFKA_POM, 'dependency:copy-dependencies', `-DoutputDirectory=${p.kafkaLibs}`, '-DincludeScope=runtime'],
      process.env,
      say,
      'downloading Kafka',
    );
    say(`Kafka installed in ${Math.round((Date.now() - started) / 1000)}s: ${p.kafkaLibs}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Processes

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
function ownedPid(home: string, name: ServiceName): number | null {
  const pid = readPid(paths(home).pidFile(name));
  if (pid === null) return null;
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const marker = name === 'temporal' ? 'start-dev' : 'kafka.Kafka';
    return cmdline.includes(marker) ? pid : null;
  } catch {
    return null;
  }
}

function startDetached(home: string, name: ServiceName, cmd: string, args: string[]): number {
  const p = paths(home);
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    // A zombie still answers kill(0); it is not running.
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[2]?.startsWith('Z');
  } catch {
    return false;
  }
}

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
    'offsets.topic.replication.factor=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    // Single local broker: no point waiting for more group members before the first rebalance.
    'group.initial.rebalance.delay.ms=0',
    'auto.create.topics.enable=false',
    '',
  ].join('\n');
}

async function startTemporal(settings: StackSettings, say: Say): Promise<boolean> {
  const p = paths(settings.home);
  if (await portOpen(settings.temporalPort)) {
    say(`temporal: already running on 127.0.0.1:${settings.temporalPort}${ownedPid(settings.home, 'temporal') ? '' : ' (not started by this stack; left alone)'}`);
    return false;
  }
  mkdirSync(path.dirname(p.temporalDb), { recursive: true });
  const args = [
    'server', 'start-dev',
    '--ip', '127.0.0.1',
    '--port', String(settings.temporalPort),
    '--ui-port', String(settings.uiPort),
    '--db-filename', p.temporalDb,
    '--search-attribute', 'ClientId=Keyword',
    '--search-attribute', 'PipelineState=Keyword',
    '--log-level', 'warn',
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

async function startKafka(settings: StackSettings, say: Say): Promise<boolean> {
  const p = paths(settings.home);
  if (await portOpen(settings.kafkaPort)) {
    say(`kafka: already running on 127.0.0.1:${settings.kafkaPort}${ownedPid(settings.home, 'kafka') ? '' : ' (not started by this stack; left alone)'}`);
    return false;
  }
  mkdirSync(p.run, { recursive: true });
  const propsFile = path.join(p.run, 'kafka-server.properties');
  writeFileSync(propsFile, kafkaProperties(settings, p.kafkaData));
  const classpath = `${p.kafkaLibs}/*`;
  if (!existsSync(path.join(p.kafkaData, 'meta.properties'))) {
    // A KRaft cluster id is 16 random bytes, base64url without padding.
    const clusterId = randomBytes(16).toString('base64url');
    execFileSync('java', ['-cp', classpath, `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, 'kafka.tools.StorageTool', 'format', '--standalone', '-t', clusterId, '-c', propsFile], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const pid = startDetached(settings.home, 'kafka', 'java', [
    '-Xms256m', '-Xmx1g', '-XX:+UseG1GC',
    `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`,
    '-cp', classpath,
    'kafka.Kafka', propsFile,
  ]);
  await waitFor('Kafka', () => portOpen(settings.kafkaPort), 90_000, p.logFile('kafka'), pid);
  say(`kafka: started (pid ${pid}) on 127.0.0.1:${settings.kafkaPort}`);
  return true;
}

/** Installs what is missing and starts what is not running. Returns the services it started. */
export async function up(settings: StackSettings, say: Say): Promise<ServiceName[]> {
  await install(settings, say);
  const started: ServiceName[] = [];
  // Start both at once: Kafka's JVM and Temporal's SQLite set-up overlap.
  const [t, k] = await Promise.all([startTemporal(settings, say), startKafka(settings, say)]);
  if (t) started.push('temporal');
  if (k) started.push('kafka');
  return started;
}

async function stopOne(home: string, name: ServiceName, say: Say): Promise<void> {
  const pid = ownedPid(home, name);
  const pidFile = paths(home).pidFile(name);
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

/** Stops the services this stack started (all of them, or only those named). */
export async function down(settings: StackSettings, say: Say, only?: readonly ServiceName[]): Promise<void> {
  const names = only ?? (['temporal', 'kafka'] as const);
  await Promise.all(names.map((name) => stopOne(settings.home, name, say)));
}

/**
 * Stops the stack and deletes its local state: Temporal's history, Kafka's log and the default
 * lake. Installed binaries stay. Refuses while services it did not start use the ports.
 */
export async function reset(settings: StackSettings, say: Say): Promise<void> {
  await down(settings, say);
  for (const port of [settings.temporalPort, settings.kafkaPort]) {
    if (await portOpen(port)) throw new Error(`port ${port} is still in use by a service this stack did not start; stop it first`);
  }
  for (const dir of [path.join(settings.home, 'state'), path.join(settings.home, 'lake')]) {
    rmSync(dir, { recursive: true, force: true });
    say(`deleted ${dir}`);
  }
}

export async function status(settings: StackSettings): Promise<ServiceStatus[]> {
  const p = paths(settings.home);
  return [
    {
      name: 'temporal',
      installed: existsSync(p.temporalBin),
      reachable: await portOpen(settings.temporalPort),
      ownedPid: ownedPid(settings.home, 'temporal'),
      address: `127.0.0.1:${settings.temporalPort} (Web UI http://127.0.0.1:${settings.uiPort})`,
      version: `Temporal CLI ${TEMPORAL_CLI_VERSION}`,
    },
    {
      name: 'kafka',
      installed: existsSync(path.join(p.kafkaLibs, `kafka_2.13-${KAFKA_VERSION}.jar`)),
      reachable: await portOpen(settings.kafkaPort),
      ownedPid: ownedPid(settings.home, 'kafka'),
      address: `127.0.0.1:${settings.kafkaPort}`,
      version: `Apache Kafka ${KAFKA_VERSION}`,
    },
  ];
}
