import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { describe, it } from 'node:test';

const CLI = path.resolve(__dirname, '../../scripts/pipeline.ts');
function pipeline(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { encoding: 'utf8', env: { ...process.env, PIPELINE_TEMPORAL_ADDRESS: '127.0.0.1:1' } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr.trim() };
}

describe('pipeline CLI', () => {
  it('has --help for every command', () => {
    const top = pipeline('--help');
    assert.equal(top.code, 0);
    for (const command of ['stack', 'worker', 'start', 'pause', 'resume', 'replay', 'status', 'errors', 'health', 'sql', 'produce']) {
      assert.match(top.stdout, new RegExp(`^  ${command} `, 'm'));
      const help = pipeline(command, '--help');
      assert.equal(help.code, 0, command);
      assert.match(help.stdout, new RegExp(`^pipeline ${command}`), command);
    }
  });
  it('rejects bad arguments with one line and exit code 2', () => {
    for (const args of [['nope'], ['status', '--bogus'], ['status', '../etc'], ['pause'], ['replay', 'acme'], ['start', '--mode', 'sometimes'], ['errors', '--since', '3x'], ['produce', '--demo', '--count', '-5'], ['stack', 'sideways'], ['sql']]) {
      const r = pipeline(...args);
      assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
      assert.equal(r.stderr.split('\n').length, 1, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /^pipeline/);
    }
  });
  it('says which service it cannot reach, in one line, with exit code 1', () => {
    const r = pipeline('start');
    assert.equal(r.code, 1);
    assert.equal(r.stderr.split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /cannot reach Temporal at 127\.0\.0\.1:1/);
  });
  it('lists every config problem and exits 1', () => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, 'status'], {
      encoding: 'utf8',
      env: { ...process.env, PIPELINE_BATCH_MAX_MESSAGES: 'lots', PIPELINE_KAFKA_BROKERS: 'nohost', PIPELINE_TARGET: 'qa' },
    });
    assert.equal(r.status, 1);
    assert.match(r.stderr, /invalid configuration/);
    for (const where of ['target', 'kafka.brokers.0', 'batch.maxMessages']) assert.match(r.stderr, new RegExp(`- ${where.replace('.', '\\.')}`));
  });
});
