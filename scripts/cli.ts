/**
 * The command framework of `pipeline`, on commander: the option parsers and options shared by
 * commands, the config handed to every action, and the exit codes. A bad argument ends with a
 * one-line reason and exit code 2, a failure with a one-line reason and exit code 1.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import type { OptionValues } from 'commander';
import { loadConfig } from '../config/load';
import { ConfigError } from '../config/schema';
import type { ResolvedConfig } from '../config/schema';
import { isValidClientId } from '../domain/client-id';

/** A bad combination of arguments found by a command itself: exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Parser of a whole number >= 1. */
export function positiveInt(text: string): number {
  const n = Number(text);
  if (text.trim() === '' || !Number.isSafeInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive whole number');
  return n;
}

/** Parser of a client id: it becomes part of workflow ids, paths and view names. */
export function clientId(text: string): string {
  if (!isValidClientId(text)) throw new InvalidArgumentError(`invalid client id ${JSON.stringify(text)}`);
  return text;
}

/** Parser of a repeatable option: every occurrence parsed and kept, in order. */
export function repeatable<T>(parse: (text: string) => T): (text: string, previous: T[] | undefined) => T[] {
  return (text, previous) => [...(previous ?? []), parse(text)];
}

export interface JsonOption {
  json?: boolean;
}

export function jsonOption(): Option {
  return new Option('--json', 'print as JSON (for scripts)');
}

/** `--client ID…|--all`: the clients a command acts on; none named means every known client. */
export interface ClientSelection {
  client?: string[];
  all?: boolean;
}

export function addClientSelection(command: Command, verb: string): Command {
  return command
    .addOption(new Option('--client <id>', `${verb} this client (repeatable); default: every known client`).argParser(repeatable(clientId)))
    .addOption(new Option('--all', `${verb} every known client (the default)`).conflicts('client'));
}

/** Where the framework writes help and errors; tests pass their own. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

const processIo: CliIo = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };

/** The root command: options, help and error handling that every command inherits. */
export function createProgram(io: CliIo = processIo): Command {
  return new Command('pipeline')
    .option('--config <file>', 'config file (default: pipeline.config.json, or $PIPELINE_CONFIG)')
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: io.out, writeErr: io.err, outputError: () => undefined }) // errors: see runCli
    .exitOverride();
}

let actionExitCode = 0;

/**
 * Wraps a command's action: loads the config once (from --config, else the environment) and
 * hands it over with the typed options and arguments; a number returned is the exit code.
 */
export function action<O extends OptionValues, A extends unknown[] = []>(
  run: (config: ResolvedConfig, options: O, ...args: A) => Promise<number | void>,
): (...received: unknown[]) => Promise<void> {
  return async (...received) => {
    const command = received[received.length - 1] as Command;
    const config = loadConfig({ file: command.optsWithGlobals<{ config?: string }>().config });
    actionExitCode = (await run(config, command.opts<O>(), ...(command.processedArgs as A))) ?? 0;
  };
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ').trim();

function report(io: CliIo, where: string, error: unknown): number {
  const say = (line: string) => io.err(`${where}: ${line}\n`);
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.help') return error.exitCode;
    say(`${oneLine(error.message.replace(/^error: /, ''))} (see ${where} --help)`);
    return 2;
  }
  if (error instanceof UsageError) {
    say(error.message);
    return 2;
  }
  // A config error lists every problem, one per line.
  if (error instanceof ConfigError) {
    say(error.message);
    return 1;
  }
  const message = error instanceof Error ? error.message : String(error);
  say(message.split('\n')[0] ?? '');
  if (process.env.PIPELINE_DEBUG && error instanceof Error) io.err(`${error.stack}\n`);
  return 1;
}

/** Runs the command line and returns the exit code. */
export async function runCli(program: Command, argv: readonly string[]): Promise<number> {
  const output = program.configureOutput();
  const io: CliIo = {
    out: (t) => (output.writeOut ? output.writeOut(t) : processIo.out(t)),
    err: (t) => (output.writeErr ? output.writeErr(t) : processIo.err(t)),
  };
  if (argv.length === 0) {
    io.out(program.helpInformation());
    return 2;
  }
  let where = program.name();
  program.hook('preSubcommand', (_program, sub) => {
    where = `${program.name()} ${sub.name()}`;
  });
  actionExitCode = 0;
  try {
    await program.parseAsync(argv, { from: 'user' });
    return actionExitCode;
  } catch (e) {
    return report(io, where, e);
  }
}
