import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';
import { runCli } from '../../scripts/cli';
import { buildProgram } from '../../scripts/program';

/** Runs the command line in this process (a fresh program each time), capturing what it prints. */
async function pipeline(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(buildProgram({ out: (t) => (stdout += t), err: (t) => (stderr += t) }), args);
  return { code, stdout, stderr: stderr.trim() };
}

/** The real executable, for what depends on the process: environment, connections, exit code. */
function spawnPipeline(args: string[], env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, [path.resolve(__dirname, '../../bin/pipeline.js'), ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

const COMMANDS = ['stack', 'worker', 'start', 'pause', 'resume', 'replay', 'status', 'errors', 'health', 'sql', 'produce'];

describe('pipeline CLI', () => {
  it('has --help for every command', async () => {
    const top = await pipeline('--help');
    assert.equal(top.code, 0);
    for (const command of COMMANDS) {
      assert.match(top.stdout, new RegExp(`^  ${command} `, 'm'));
      const help = await pipeline(command, '--help');
      assert.equal(help.code, 0, command);
      assert.match(help.stdout, new RegExp(`^Usage: pipeline ${command}\\b`), command);
      assert.match(help.stdout, /--config <file>/, `${command} shows the global --config`);
    }
    assert.equal((await pipeline('help', 'status')).code, 0);
  });

  it('prints the usage and exits 2 without a command', async () => {
    const r = await pipeline();
    assert.equal(r.code, 2);
    assert.match(r.stdout, /^Usage: pipeline/);
  });

  it('rejects bad arguments with one line and exit code 2', async () => {
    for (const args of [
      ['nope'],
      ['status', '--bogus'],
      ['status', '../etc'],
      ['status', 'a', 'b'],
      ['pause'],
      ['replay', 'acme'],
      ['replay', 'acme', '--batch', 'b1', '--all-failed'],
      ['start', '--mode', 'sometimes'],
      ['start', '--client', 'bad id!'],
      ['start', '--client', 'acme', '--all'],
      ['errors', '--since', '3x'],
      ['errors', '--limit', '0'],
      ['produce', '--demo', '--count', '-5'],
      ['produce', '--count', '5'],
      ['stack', 'sideways'],
      ['stack', 'reset'],
      ['sql'],
      ['sql', ' '],
    ]) {
      const r = await pipeline(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^pipeline/);
    }
  });

  it('reads the config file named by --config, before or after the command', async () => {
    const missing = path.join(__dirname, 'no-such-config.json');
    for (const args of [
      ['status', '--config', missing],
      ['--config', missing, 'status'],
    ]) {
      const r = await pipeline(...args);
      assert.equal(r.code, 1, r.stderr);
      assert.ok(r.stderr.includes(`config file ${missing} does not exist`), r.stderr);
    }
  });

  it('runs as an executable, and says which service it cannot reach, in one line, with exit code 1', () => {
    assert.equal(spawnPipeline(['--help'], {}).code, 0);
    const r = spawnPipeline(['start'], { PIPELINE_TEMPORAL_ADDRESS: '127.0.0.1:1' });
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /cannot reach Temporal at 127\.0\.0\.1:1/);
  });

  it('lists every config problem and exits 1', () => {
    const r = spawnPipeline(['status'], { PIPELINE_BATCH_MAX_MESSAGES: 'lots', PIPELINE_KAFKA_BROKERS: 'nohost', PIPELINE_TARGET: 'qa' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /invalid configuration/);
    for (const where of ['target', 'kafka.brokers.0', 'batch.maxMessages']) assert.match(r.stderr, new RegExp(`- ${where.replace('.', '\\.')}`));
  });
});
