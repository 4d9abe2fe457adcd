/**
 * How much the Temporal SDK prints. An operator sees warnings and errors; PIPELINE_LOG_LEVEL
 * (trace, debug, info, warn, error) shows more. The workflow bundle's webpack statistics appear
 * only at debug.
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import type { Logger, LogLevel, LogMetadata } from '@temporalio/worker';

const LEVELS: readonly LogLevel[] = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'];

export function logLevel(env: NodeJS.ProcessEnv = process.env): LogLevel {
  const wanted = (env.PIPELINE_LOG_LEVEL ?? 'warn').toUpperCase();
  const level = LEVELS.find((l) => l === wanted);
  if (level === undefined) throw new Error(`PIPELINE_LOG_LEVEL must be one of ${LEVELS.join(', ').toLowerCase()} (got "${env.PIPELINE_LOG_LEVEL}")`);
  return level;
}

/**
 * The SDK's logger for this process, at PIPELINE_LOG_LEVEL. The runtime is process-wide and set
 * once: when something already created it (a test environment, an earlier worker), it is kept.
 */
export function runtimeLogger(env: NodeJS.ProcessEnv = process.env): Logger {
  // `_instance` is the SDK's only way to ask without creating one.
  if (Runtime._instance === undefined) {
    const logger = new DefaultLogger(logLevel(env));
    Runtime.install({ logger: relevelled(logger, (level, message) => (level === 'WARN' && EXPECTED.has(message) ? 'DEBUG' : level)) });
  }
  return Runtime.instance().logger;
}

/** What the SDK warns of that this worker does on purpose: its ingest queue polls activities only. */
const EXPECTED = new Set(['No workflows registered, not polling for workflow tasks']);

/** Passes the workflow bundler's info reports (webpack statistics, bundle size) on at debug. */
export function bundlerLogger(logger: Logger): Logger {
  return relevelled(logger, (level) => (level === 'INFO' ? 'DEBUG' : level));
}

/** A logger that passes every line on to `logger`, at the level `levelOf` gives it. */
function relevelled(logger: Logger, levelOf: (level: LogLevel, message: string) => LogLevel): Logger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata): void => {
    logger.log(levelOf(level, message), message, meta);
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}
