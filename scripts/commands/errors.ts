import { loadConfig } from '../../config/load';
import { isValidClientId } from '../../domain/rules';
import { liveClientStates } from '../../adapters/temporal/control';
import { querySql } from '../../adapters/lake/sql-session';
import { defineCommand, output, positiveInt, table, UsageError } from '../cli';

const UNITS: Record<string, string> = { m: 'minute', h: 'hour', d: 'day', w: 'week' };

/** `1d`, `12h`, `30m`, `2w` → a DuckDB interval text. */
export function parseSince(text: string): string {
  const m = /^(\d{1,6})([mhdw])$/.exec(text);
  if (!m) throw new UsageError(`--since must look like 30m, 12h, 1d or 2w, not ${JSON.stringify(text)}`);
  return `${m[1]} ${UNITS[m[2] as string]}`;
}

export const errorsCommand = defineCommand({
  name: 'errors',
  usage: 'errors [--client ID] [--since 1d] [--limit N] [--json]',
  summary: 'Recent rows of pipeline_errors, newest first.',
  options: { client: { type: 'string' }, since: { type: 'string' }, limit: { type: 'string' }, json: { type: 'boolean' } },
  optionHelp: { client: 'only this client', since: 'how far back (default 1d)', limit: 'most rows to show (default 50)', json: 'print as JSON' },
  async run({ values }) {
    const client = values.client as string | undefined;
    if (client !== undefined && !isValidClientId(client)) throw new UsageError(`invalid client id ${JSON.stringify(client)}`);
    const interval = parseSince((values.since as string | undefined) ?? '1d');
    const limit = positiveInt(values.limit, 'limit', 50);
    const rows = await querySql(
      loadConfig(),
      `SELECT error_timestamp, client_id, layer, table_name, rules, error_message, batch_id, "partition", "offset", raw_value
       FROM pipeline_errors
       WHERE error_timestamp >= now()::TIMESTAMP - $since::INTERVAL AND ($client IS NULL OR client_id = $client)
       ORDER BY error_timestamp DESC, "partition", "offset" LIMIT ${limit}`,
      { since: interval, client: client ?? null },
    );
    output(values.json === true, rows, () => table(rows));
  },
});

export const healthCommand = defineCommand({
  name: 'health',
  usage: 'health [--json]',
  summary: 'The pipeline_health_monitor view: per client state, last batch, batches ok/failed, records, drops, error rate, backlog and last error.',
  options: { json: { type: 'boolean' } },
  optionHelp: { json: 'print as JSON' },
  async run({ values }) {
    const config = loadConfig();
    const live = await liveClientStates(config);
    if (live.problem) process.stderr.write(`pipeline health: workflow state unavailable (${live.problem}); showing lake figures only\n`);
    const rows = await querySql(config, 'SELECT * FROM pipeline_health_monitor', undefined, live.states);
    output(values.json === true, rows, () => table(rows));
  },
});
