/**
 * `pipeline`: the operator CLI. Every command has --help; data commands have --json; errors end
 * with a one-line reason and a non-zero exit code.
 */
import type { Command } from './cli';
import { runCommand } from './cli';
import { errorsCommand, healthCommand } from './commands/errors';
import { pauseCommand, replayCommand, resumeCommand } from './commands/control';
import { produceCommand } from './commands/produce';
import { sqlCommand } from './commands/sql';
import { stackCommand } from './commands/stack';
import { startCommand } from './commands/start';
import { statusCommand } from './commands/status';
import { workerCommand } from './commands/worker';

const COMMANDS: Command[] = [
  stackCommand,
  workerCommand,
  startCommand,
  pauseCommand,
  resumeCommand,
  replayCommand,
  statusCommand,
  errorsCommand,
  healthCommand,
  sqlCommand,
  produceCommand,
];

function usage(): string {
  return [
    'usage: pipeline <command> [options]   (pipeline <command> --help for details)',
    '',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(9)} ${c.summary.split('. ')[0]}`),
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(`${usage()}\n`);
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (!command) {
    process.stderr.write(`pipeline: unknown command ${JSON.stringify(name)} (see pipeline --help)\n`);
    return 2;
  }
  return runCommand(command, rest);
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`pipeline: ${(e as Error).message}\n`);
    process.exitCode = 1;
  },
);
