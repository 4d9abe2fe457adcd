/**
 * Installs the local stack's services on first use, from pinned versions, into a cache outside
 * the clone: the Temporal CLI built from its Go module, and the Kafka jars from Maven Central.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { KAFKA_POM, KAFKA_VERSION, stackPaths, TEMPORAL_CLI_VERSION } from './layout';
import type { Say, StackSettings } from './layout';

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

export function installed(home: string): { temporal: boolean; kafka: boolean } {
  const p = stackPaths(home);
  return { temporal: existsSync(p.temporalBin), kafka: existsSync(p.kafkaJar) };
}

/** Installs whichever service is missing; a no-op once both are in the cache. */
export async function install(settings: StackSettings, say: Say): Promise<void> {
  const p = stackPaths(settings.home);
  const have = installed(settings.home);
  if (!have.temporal) {
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
  if (!have.kafka) {
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
