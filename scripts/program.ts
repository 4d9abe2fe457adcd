/** The `pipeline` command line: every command, registered on one program. */
import type { Command } from 'commander';
import { createProgram } from './cli';
import type { CliIo } from './cli';
import { registerClientControl } from './commands/control';
import { registerConfig } from './commands/config';
import { registerErrors } from './commands/errors';
import { registerFailure } from './commands/failure';
import { registerHealth } from './commands/health';
import { registerProduce } from './commands/produce';
import { registerSchedule } from './commands/schedule';
import { registerRefresh } from './commands/refresh';
import { registerSql } from './commands/sql';
import { registerStack } from './commands/stack';
import { registerStart } from './commands/start';
import { registerStatus } from './commands/status';
import { registerStop } from './commands/stop';
import { registerWorker } from './commands/worker';

const COMMAND_GROUPS = [
  registerStack,
  registerWorker,
  registerStart,
  registerStop,
  registerClientControl,
  registerSchedule,
  registerRefresh,
  registerConfig,
  registerFailure,
  registerStatus,
  registerErrors,
  registerHealth,
  registerSql,
  registerProduce,
];

export function buildProgram(io?: CliIo): Command {
  const program = createProgram(io).description('Kafka → bronze/silver/gold Parquet pipeline on Temporal: operator commands.');
  for (const register of COMMAND_GROUPS) register(program);
  return program;
}
