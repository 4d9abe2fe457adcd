/**
 * What a worker prints: the SDK's level comes from PIPELINE_LOG_LEVEL (warn unless set), and the
 * workflow bundler's info reports (webpack statistics) are passed on at debug.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Logger, LogLevel } from '@temporalio/worker';
import { bundlerLogger, logLevel } from '../../workers/logging';

function recorder(): { logger: Logger; seen: [LogLevel, string][] } {
  const seen: [LogLevel, string][] = [];
  const at = (level: LogLevel) => (message: string) => {
    seen.push([level, message]);
  };
  const logger: Logger = {
    log: (level, message) => at(level)(message),
    trace: at('TRACE'),
    debug: at('DEBUG'),
    info: at('INFO'),
    warn: at('WARN'),
    error: at('ERROR'),
  };
  return { logger, seen };
}

describe('worker logging', () => {
  it('defaults to warnings and errors, and takes PIPELINE_LOG_LEVEL in any case', () => {
    assert.equal(logLevel({}), 'WARN');
    assert.equal(logLevel({ PIPELINE_LOG_LEVEL: 'debug' }), 'DEBUG');
    assert.equal(logLevel({ PIPELINE_LOG_LEVEL: 'Info' }), 'INFO');
  });

  it('refuses an unknown level, naming the known ones', () => {
    assert.throws(() => logLevel({ PIPELINE_LOG_LEVEL: 'loud' }), /PIPELINE_LOG_LEVEL must be one of trace, debug, info, warn, error/);
  });

  it("passes the bundler's info reports on at debug and keeps its warnings and errors", () => {
    const { logger, seen } = recorder();
    const bundler = bundlerLogger(logger);
    bundler.info('asset workflow-bundle.js 1.6 MiB');
    bundler.log('INFO', 'Workflow bundle created');
    bundler.warn('Ignoring a module');
    bundler.error('webpack failed');
    assert.deepEqual(seen, [
      ['DEBUG', 'asset workflow-bundle.js 1.6 MiB'],
      ['DEBUG', 'Workflow bundle created'],
      ['WARN', 'Ignoring a module'],
      ['ERROR', 'webpack failed'],
    ]);
  });
});
