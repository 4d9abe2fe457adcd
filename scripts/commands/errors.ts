import { InvalidArgumentError, Option } from 'commander';
import type { Command } from 'commander';
import { querySql } from '../../adapters/lake/sql-session';
import { action, clientId, jsonOption, positiveInt } from '../cli';
import type { JsonOption } from '../cli';
import { output, table } from '../cli-output';

const UNITS: Record<string, string> = { m: 'minute', h: 'hour', d: 'day', w: 'week' };

/** `1d`, `12h`, `30m`, `2w` → a DuckDB interval text. */
export function parseSince(text: string): string {
  const m = /^(\d{1,6})([mhdw])$/.exec(text);
  if (!m) throw new InvalidArgumentError('expected an age like 30m, 12h, 1d or 2w');
  return `${m[1]} ${UNITS[m[2] as string]}`;
}

interface ErrorsOptions extends JsonOption {
  client?: string;
  since: string;
  limit: number;
}

export function registerErrors(program: Command): void {
  program
    .command('errors')
    .summary('Recent rows of pipeline_errors, newest first')
    .description('Recent rows of pipeline_errors, newest first.')
    .option('--client <id>', 'only this client', clientId)
    .addOption(new Option('--since <age>', 'how far back: 30m, 12h, 1d or 2w').argParser(parseSince).default(parseSince('1d'), '1d'))
    .addOption(new Option('--limit <n>', 'most rows to show').argParser(positiveInt).default(50))
    .addOption(jsonOption())
    .action(
      action<ErrorsOptions>(async (config, options) => {
        const rows = await querySql(
          config,
          `SELECT error_timestamp, client_id, layer, table_name, rules, error_message, batch_id, "partition", "offset", raw_value
           FROM pipeline_errors
           WHERE error_timestamp >= now()::TIMESTAMP - $since::INTERVAL AND ($client IS NULL OR client_id = $client)
           ORDER BY error_timestamp DESC, "partition", "offset" LIMIT $limit`,
          { params: { since: options.since, client: options.client ?? null, limit: options.limit } },
        );
        output(options.json, rows, () => table(rows));
      }),
    );
}
