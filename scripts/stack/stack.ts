/**
 * The local stack: a real Temporal dev server (with Web UI) and a real Apache Kafka broker in
 * KRaft mode, installed on first use (install.ts) and run on loopback (supervise.ts). `down`
 * stops only what `up` started.
 */
import { rmSync } from 'node:fs';
import path from 'node:path';
import { install, installed } from './install';
import { KAFKA_VERSION, TEMPORAL_CLI_VERSION } from './layout';
import type { Say, ServiceName, StackSettings } from './layout';
import { ownedPid, portOpen, startKafka, startTemporal, stopService } from './supervise';

export { portOpen } from './supervise';
export type { ServiceName, StackSettings } from './layout';

export interface ServiceStatus {
  name: ServiceName;
  installed: boolean;
  reachable: boolean;
  /** Pid of the process `up` started, when it is still running. */
  ownedPid: number | null;
  address: string;
  version: string;
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

/** Stops the services this stack started (all of them, or only those named). */
export async function down(settings: StackSettings, say: Say, only?: readonly ServiceName[]): Promise<void> {
  const names = only ?? (['temporal', 'kafka'] as const);
  await Promise.all(names.map((name) => stopService(settings.home, name, say)));
}

/**
 * Stops the stack and deletes its local state: Temporal's history, Kafka's log and the default
 * lake. Installed binaries stay. Refuses while services it did not start use the ports.
 */
export async function reset(settings: StackSettings, say: Say): Promise<void> {
  // It deletes folders under home: a relative home would mean wherever the command runs.
  if (!path.isAbsolute(settings.home))
    throw new Error(`refusing to reset a stack whose home ${JSON.stringify(settings.home)} is not an absolute path`);
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
  const have = installed(settings.home);
  return [
    {
      name: 'temporal',
      installed: have.temporal,
      reachable: await portOpen(settings.temporalPort),
      ownedPid: ownedPid(settings.home, 'temporal'),
      address: `127.0.0.1:${settings.temporalPort} (Web UI http://127.0.0.1:${settings.uiPort})`,
      version: `Temporal CLI ${TEMPORAL_CLI_VERSION}`,
    },
    {
      name: 'kafka',
      installed: have.kafka,
      reachable: await portOpen(settings.kafkaPort),
      ownedPid: ownedPid(settings.home, 'kafka'),
      address: `127.0.0.1:${settings.kafkaPort}`,
      version: `Apache Kafka ${KAFKA_VERSION}`,
    },
  ];
}
