/**
 * The small command framework of `pipeline`: each command declares its options and help once;
 * bad arguments end with a one-line reason and exit code 2, failures with exit code 1.
 */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { ConfigError } from '../config/schema';

export type Options = NonNullable<ParseArgsConfig['options']>;

export interface Command<O extends Options = Options> {
  name: string;
  summary: string;
  usage: string;
  options: O;
  /** Help text of each option, by name. */
  optionHelp: Partial<Record<keyof O, string>>;
  run(args: { values: Record<string, unknown>; positionals: string[] }): Promise<number | void>;
}

/** A bad argument: printed as one line with exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A whole number >= 1 from an option's text, or the fallback when the option is absent. */
export function positiveInt(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive whole number, not ${JSON.stringify(value)}`);
  return n;
}

export const commonOptions = {
  config: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const satisfies Options;

export function defineCommand<O extends Options>(command: Command<O>): Command {
  return command as unknown as Command;
}

export function helpText(command: Command): string {
  const lines = [`pipeline ${command.usage}`, '', command.summary, '', 'Options:'];
  const all: Options = { ...command.options, ...commonOptions };
  for (const [name, spec] of Object.entries(all)) {
    const help = (command.optionHelp as Record<string, string | undefined>)[name] ?? (name === 'config' ? 'config file (default: pipeline.config.json, or $PIPELINE_CONFIG)' : 'show this help');
    const flag = `--${name}${spec.type === 'string' ? ' VALUE' : ''}${spec.short ? `, -${spec.short}` : ''}`;
    lines.push(`  ${flag.padEnd(28)} ${help}`);
  }
  return lines.join('\n');
}

export async function runCommand(command: Command, argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { ...command.options, ...commonOptions }, allowPositionals: true, strict: true });
  } catch (e) {
    process.stderr.write(`pipeline ${command.name}: ${(e as Error).message.split('\n')[0]?.split('. ')[0]} (see pipeline ${command.name} --help)\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${helpText(command)}\n`);
    return 0;
  }
  if (typeof parsed.values.config === 'string') process.env.PIPELINE_CONFIG = parsed.values.config;
  try {
    return (await command.run({ values: parsed.values, positionals: parsed.positionals })) ?? 0;
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`pipeline ${command.name}: ${e.message}\n`);
      return 2;
    }
    if (e instanceof ConfigError) {
      process.stderr.write(`pipeline ${command.name}: ${e.message}\n`);
      return 1;
    }
    const message = (e as Error).message ?? String(e);
    process.stderr.write(`pipeline ${command.name}: ${message.split('\n')[0]}\n`);
    if (process.env.PIPELINE_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    return 1;
  }
}

/** Prints data as JSON (for scripts) or through a human formatter. */
export function output(json: boolean, data: unknown, human: () => string): void {
  process.stdout.write(json ? `${JSON.stringify(data, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), 2)}\n` : `${human()}\n`);
}

/** A plain text table. */
export function table(rows: Record<string, unknown>[], columns?: string[]): string {
  if (rows.length === 0) return '(no rows)';
  const cols = columns ?? Object.keys(rows[0] ?? {});
  const cell = (v: unknown): string => (v === null || v === undefined ? '' : v instanceof Date ? v.toISOString() : typeof v === 'object' ? JSON.stringify(v) : String(v));
  const widths = cols.map((c) => Math.min(120, Math.max(c.length, ...rows.map((r) => cell(r[c]).length))));
  const line = (vals: string[]) => vals.map((v, i) => (v.length > 120 ? `${v.slice(0, 117)}...` : v).padEnd(widths[i] ?? 0)).join('  ').trimEnd();
  return [line(cols), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(cols.map((c) => cell(r[c]))))].join('\n');
}
