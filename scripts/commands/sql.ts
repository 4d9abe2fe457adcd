import { loadConfig } from '../../lib/config/load';
import { querySql } from '../../lib/sql-session';
import { defineCommand, output, table, UsageError } from '../cli';

export const sqlCommand = defineCommand({
  name: 'sql',
  usage: 'sql "SELECT ..." [--json]',
  summary:
    'Runs SQL over the lake. Views: kafka_raw_bronze, client_list, bronze_<client>, silver_<client>, gold_<client>_summary, pipeline_errors, pipeline_quality_metrics, pipeline_health_monitor.',
  options: { json: { type: 'boolean' } },
  optionHelp: { json: 'print rows as JSON' },
  async run({ values, positionals }) {
    if (positionals.length !== 1 || !positionals[0]?.trim()) throw new UsageError('expected one SQL statement in quotes');
    const rows = await querySql(loadConfig(), positionals[0]);
    output(values.json === true, rows, () => table(rows));
  },
});
