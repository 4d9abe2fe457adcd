/**
 * `npm test`: brings the local stack up (installing it on first use), runs every test tier with
 * node's test runner, fastest tier first, and stops what it started, whether the tests pass or fail.
 *   --unit   pure unit tests only (no services needed)
 *   FILES    only these test files
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../config/load';
import { stackSettings } from './stack/settings';
import { down, up } from './stack/stack';
import type { ServiceName } from './stack/stack';

const ROOT = path.resolve(__dirname, '..');

/**
 * The tiers under test/, fastest first, so a broken rule fails in seconds rather than after the
 * end-to-end run: pure units; workflow logic with stub activities; activities on real DuckDB
 * and Kafka; workflows on the real stack; the whole product.
 */
const TIERS = ['unit', 'workflow-logic', 'activities', 'workflows', 'e2e'];

function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? testFiles(p) : name.endsWith('.test.ts') ? [p] : [];
  });
}

/** Tier order, then name; a folder that is no known tier runs after them. */
function inTierOrder(files: string[]): string[] {
  const tier = (file: string) => {
    const index = TIERS.indexOf(path.relative(path.join(ROOT, 'test'), file).split(path.sep)[0] ?? '');
    return index === -1 ? TIERS.length : index;
  };
  return [...files].sort((a, b) => tier(a) - tier(b) || a.localeCompare(b));
}

/** Every process of a test run carries this in its environment, so none can outlive the run. */
const RUN_TAG = `PIPELINE_TEST_RUN=${process.pid}-${Date.now()}`;

/**
 * Kills processes a test left behind (a worker whose test died before its clean-up hook).
 * Services the stack started are not tagged: `down` stops those.
 */
function killLeftovers(): number {
  let killed = 0;
  for (const pid of readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number)) {
    if (pid === process.pid) continue;
    try {
      if (readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(RUN_TAG)) {
        process.kill(pid, 'SIGKILL');
        killed += 1;
      }
    } catch {
      // gone already, or not ours to read
    }
  }
  return killed;
}

/** Runs node's test runner: spec output for people, TAP into a file for the closing summary. */
function runNodeTests(files: string[], tapFile: string): Promise<number> {
  return new Promise((resolve) => {
    const [tagName, tagValue] = RUN_TAG.split('=') as [string, string];
    const child = spawn(
      process.execPath,
      // A test that hangs fails after 15 minutes instead of holding CI to its limit.
      [
        '--import',
        'tsx',
        '--test',
        '--test-concurrency=1',
        '--test-timeout=900000',
        '--test-reporter=spec',
        '--test-reporter-destination=stdout',
        '--test-reporter=tap',
        `--test-reporter-destination=${tapFile}`,
        ...files,
      ],
      { cwd: ROOT, stdio: 'inherit', env: { ...process.env, [tagName]: tagValue } },
    );
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** The plain closing line CI reads: `tests: N passed, N failed`. */
function summary(tapFile: string, exitCode: number): string {
  const tap = existsSync(tapFile) ? readFileSync(tapFile, 'utf8') : '';
  const count = (name: string) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(tap)?.[1] ?? 0);
  // A runner stopped before its report still failed: never print "0 failed" for it.
  const failed = Math.max(count('fail') + count('cancelled'), exitCode === 0 ? 0 : 1);
  const note = exitCode !== 0 && count('fail') + count('cancelled') === 0 ? ` (the test runner exited with code ${exitCode} before reporting)` : '';
  return `tests: ${count('pass')} passed, ${failed} failed, ${count('skipped')} skipped${note}`;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unitOnly = args.includes('--unit');
  const named = args.filter((a) => !a.startsWith('--')).map((a) => path.resolve(a));
  const files = named.length > 0 ? named : inTierOrder(testFiles(path.join(ROOT, 'test', unitOnly ? 'unit' : '')));
  const needsStack = files.some((f) => !f.includes(`${path.sep}unit${path.sep}`));
  const settings = stackSettings(loadConfig());
  const say = (line: string) => process.stderr.write(`[stack] ${line}\n`);
  let started: ServiceName[] = [];
  try {
    // The Web UI test drives Debian's chromium; when it cannot be installed the test says so.
    if (files.some((f) => f.endsWith('web-ui.test.ts'))) spawnSync('sh', [path.join(ROOT, 'scripts', 'ensure-chromium.sh')], { stdio: 'inherit' });
    if (needsStack) {
      const t0 = Date.now();
      started = await up(settings, say);
      say(`ready in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    }
    const tapFile = path.join(mkdtempSync(path.join(os.tmpdir(), 'pipeline-tests-')), 'results.tap');
    const code = await runNodeTests(files, tapFile);
    process.stdout.write(`\n${summary(tapFile, code)}\n`);
    return code;
  } finally {
    const leftovers = killLeftovers();
    if (leftovers > 0) process.stderr.write(`killed ${leftovers} process(es) the tests left running\n`);
    if (started.length > 0) await down(settings, say, started);
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    process.stderr.write(`npm test: ${(e as Error).message}\n`);
    process.exit(1);
  },
);
